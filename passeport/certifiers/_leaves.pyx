# cython: language_level=3, boundscheck=False, wraparound=False
"""Leaf texts of an lxml element, read in one walk over libxml2's tree (lxml's C API).

Reading the ~65 elements of a passage through lxml costs a Python proxy, a Clark-name
string and a text string per element: about a third of a deposit's processing time. Here
only the wanted values become Python strings. ``flux.read_leaves_py`` is the same function
in plain Python: the reference, and the fallback where this module is not built; the tests
require both to give the same result.
"""

from cpython.unicode cimport PyUnicode_DecodeUTF8
from libc.string cimport strcmp, strlen
from lxml.includes cimport tree
from lxml.includes.etreepublic cimport _Element, import_lxml__etree

import_lxml__etree()

DEF SLOTS = 256  # open-addressing table of names, at most SLOTS // 2 of them


cdef inline unsigned int _hash(const char* s) noexcept nogil:
    cdef unsigned int h = 2166136261u  # FNV-1a
    while s[0]:
        h = (h ^ <unsigned char>s[0]) * 16777619u
        s += 1
    return h


cdef inline bint _is_text(tree.xmlNode* n) noexcept nogil:
    return n is not NULL and (
        n.type == tree.XML_TEXT_NODE or n.type == tree.XML_CDATA_SECTION_NODE
    )


cdef object _text(tree.xmlNode* element):
    """lxml's ``.text``: the text and CDATA nodes that open the element, joined; None when
    the element does not start with text."""
    cdef tree.xmlNode* n = element.children
    if not _is_text(n):
        return None
    if not _is_text(n.next):
        if n.content is NULL:
            return ""
        return PyUnicode_DecodeUTF8(<const char*>n.content, strlen(<const char*>n.content), NULL)
    parts = []
    while _is_text(n):
        if n.content is not NULL:
            parts.append(<bytes>(<const char*>n.content))
        n = n.next
    return b"".join(parts).decode("utf-8")


cdef class LeafReader:
    """``read(el)`` → a list: for each of ``names``, the text of that descendant of ``el``
    in ``namespace`` ("" when present without text, None when absent; the last one wins),
    then the list of ``group`` elements, each a tuple of its ``parts``' texts (None when
    absent or without text)."""

    cdef bytes _namespace
    cdef list _keep  # the bytes the table points into
    cdef const char* _slot_name[SLOTS]
    cdef int _slot_index[SLOTS]
    cdef Py_ssize_t _count
    cdef int _group
    cdef Py_ssize_t _parts

    def __cinit__(self, str namespace, tuple names, str group, tuple parts):
        cdef Py_ssize_t i
        all_names = names + (group,) + parts
        if len(all_names) > SLOTS // 2:
            raise ValueError("too many names")
        self._namespace = namespace.encode("utf-8")
        self._keep = [n.encode("utf-8") for n in all_names]
        self._count = len(names)
        self._group = len(names)
        self._parts = len(parts)
        for i in range(SLOTS):
            self._slot_name[i] = NULL
            self._slot_index[i] = -1
        for i in range(len(self._keep)):
            self._add(self._keep[i], <int>i)

    cdef void _add(self, bytes name, int index):
        cdef const char* s = name
        cdef unsigned int slot = _hash(s) % SLOTS
        while self._slot_name[slot] is not NULL:
            if strcmp(self._slot_name[slot], s) == 0:
                raise ValueError(f"duplicate name {name!r}")
            slot = (slot + 1) % SLOTS
        self._slot_name[slot] = s
        self._slot_index[slot] = index

    cdef inline int _index(self, const char* name) noexcept nogil:
        cdef unsigned int slot = _hash(name) % SLOTS
        while self._slot_name[slot] is not NULL:
            if strcmp(self._slot_name[slot], name) == 0:
                return self._slot_index[slot]
            slot = (slot + 1) % SLOTS
        return -1

    def read(self, _Element el):
        cdef tree.xmlNode* top = el._c_node
        cdef tree.xmlNode* node = top.children
        cdef const char* ns = self._namespace
        cdef int index
        cdef list values = [None] * (self._count + 1)
        cdef list groups = []
        cdef list current = None
        values[self._count] = groups
        while node is not NULL:
            if node.type == tree.XML_ELEMENT_NODE:
                if node.ns is not NULL and strcmp(<const char*>node.ns.href, ns) == 0:
                    index = self._index(<const char*>node.name)
                    if index >= 0:
                        if index < self._count:
                            text = _text(node)
                            values[index] = "" if text is None else text
                        elif index == self._group:
                            current = [None] * self._parts
                            groups.append(current)
                        elif current is not None:
                            current[index - self._group - 1] = _text(node)
                if node.children is not NULL:
                    node = node.children
                    continue
            while node.next is NULL:
                node = node.parent
                if node is top or node is NULL:
                    break
            if node is top or node is NULL:
                break
            node = node.next
        for i in range(len(groups)):
            groups[i] = tuple(groups[i])
        return values

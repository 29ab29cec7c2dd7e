"""RFC 9162 Merkle proofs: every inclusion and consistency proof of trees up to 40 leaves
verifies, and none verifies once anything is changed."""

import hashlib

import pytest

from passeport.documents import merkle

LEAVES = [merkle.leaf_hash(f"entrée {i}".encode()) for i in range(40)]


def test_known_roots():
    assert merkle.root([]) == hashlib.sha256(b"").digest()
    a, b, c = LEAVES[:3]
    assert merkle.root([a]) == a
    assert merkle.root([a, b, c]) == merkle.node_hash(merkle.node_hash(a, b), c)


@pytest.mark.parametrize("size", range(1, 41))
def test_every_inclusion_proof_verifies_and_only_for_its_leaf(size):
    tree = LEAVES[:size]
    top = merkle.root(tree)
    for index in range(size):
        proof = merkle.inclusion_proof(index, tree)
        assert merkle.verify_inclusion(index, size, tree[index], proof, top)
        other = (index + 1) % size
        if other != index:
            assert not merkle.verify_inclusion(index, size, tree[other], proof, top)
        if proof:
            bad = [proof[0][::-1], *proof[1:]]
            assert not merkle.verify_inclusion(index, size, tree[index], bad, top)


@pytest.mark.parametrize("size2", range(1, 41))
def test_every_consistency_proof_verifies_and_detects_rewritten_history(size2):
    tree = LEAVES[:size2]
    top = merkle.root(tree)
    for size1 in range(1, size2 + 1):
        proof = merkle.consistency_proof(size1, tree)
        old = merkle.root(tree[:size1])
        assert merkle.verify_consistency(size1, size2, old, top, proof)
        rewritten = merkle.root([merkle.leaf_hash(b"autre"), *tree[1:size1]])
        assert not merkle.verify_consistency(size1, size2, rewritten, top, proof)

"""The one compiled module (``certifiers/_leaves.pyx``); everything else is in pyproject.toml.

It reads lxml's tree through lxml's public C API, so it is built against the installed
lxml's headers (``pip install --no-build-isolation``, after requirements.lock).
"""

from Cython.Build import cythonize
from lxml import get_include
from setuptools import Extension, setup

setup(
    ext_modules=cythonize(
        [
            Extension(
                "passeport.certifiers._leaves",
                ["passeport/certifiers/_leaves.pyx"],
                include_dirs=get_include(),
            )
        ],
        compiler_directives={"language_level": 3},
    )
)

"""Write Excel VBA projects (``xl/vbaProject.bin``) without Excel.

A pure-Python implementation of the parts of MS-OVBA (VBA project storage,
compression, data encryption) and MS-CFB (compound files) needed to build a
source-only VBA project that Excel compiles when it opens the workbook.
"""

from .ovba import compress, decompress
from .project import VBAModule, build_vba_project, module_source

__all__ = ["VBAModule", "build_vba_project", "compress", "decompress", "module_source"]

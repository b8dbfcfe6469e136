#!/usr/bin/env python3
# Copied from ../shared/peers/patch_glibcxx.py (the peers harness); Peers.csproj runs it after every build.
"""Make TorchSharp 0.107.0's libLibTorchSharp.so loadable on glibc/libstdc++ of Debian 12 (GCC 12, GLIBCXX <= 3.4.30).

libLibTorchSharp.so was built with GCC >= 13.2 and records a version need on GLIBCXX_3.4.32. Its only symbol of that
version is std::ios_base_library_init(), which GCC 13 headers reference via `.globl` purely to force linking; there is
no relocation against it (check: readelf -rW libLibTorchSharp.so | grep ios_base_library_init  -> nothing), so it is
never resolved at run time. We mark that one Vernaux entry VER_FLG_WEAK (0x2): ld.so then tolerates the missing
version instead of refusing to load the library. No code bytes change. Idempotent.

usage: patch_glibcxx.py <file-or-dir> ...   (patches every libLibTorchSharp.so found)
"""
import os, struct, sys

VER_FLG_WEAK = 0x2
WANT = b"GLIBCXX_3.4.32"

def patch(path):
    data = bytearray(open(path, "rb").read())
    assert data[:4] == b"\x7fELF" and data[4] == 2 and data[5] == 1, "need ELF64 little-endian"
    e_shoff, = struct.unpack_from("<Q", data, 0x28)
    e_shentsize, e_shnum = struct.unpack_from("<HH", data, 0x3A)
    secs = [struct.unpack_from("<IIQQQQIIQQ", data, e_shoff + i * e_shentsize) for i in range(e_shnum)]
    SHT_GNU_verneed = 0x6ffffffe
    changed = 0
    for (name, typ, flags, addr, off, size, link, info, align, entsize) in secs:
        if typ != SHT_GNU_verneed:
            continue
        strtab_off = secs[link][4]
        def cstr(o):
            end = data.index(b"\0", strtab_off + o)
            return bytes(data[strtab_off + o:end])
        vn = off
        for _ in range(info):  # sh_info = number of Verneed entries
            vn_version, vn_cnt, vn_file, vn_aux, vn_next = struct.unpack_from("<HHIII", data, vn)
            va = vn + vn_aux
            for _ in range(vn_cnt):
                vna_hash, vna_flags, vna_other, vna_name, vna_next = struct.unpack_from("<IHHII", data, va)
                if cstr(vna_name) == WANT and cstr(vn_file) == b"libstdc++.so.6" and not (vna_flags & VER_FLG_WEAK):
                    struct.pack_into("<H", data, va + 4, vna_flags | VER_FLG_WEAK)
                    changed += 1
                va += vna_next
            vn += vn_next
    if changed:
        open(path, "wb").write(data)
    print(f"{path}: {'patched' if changed else 'unchanged (already weak or no GLIBCXX_3.4.32 need)'}")

for arg in sys.argv[1:]:
    if os.path.isdir(arg):
        for root, _, files in os.walk(arg):
            for f in files:
                if f == "libLibTorchSharp.so":
                    patch(os.path.join(root, f))
    else:
        patch(arg)

#!/usr/bin/env python3
# Writes the scripted seeds of fuzz_session (fuzz/corpus/session/): one conversation per
# command mix, in the input format of fuzz_session.cpp: [mode][commands][splits][server stream].
# The server's packets are built here from the protocol documentation; compressed replies are
# stored compressed packets (inflated size 0), which both zlib and zstd framing accept.
# Usage: fuzz/session-seeds.py [out-dir]   (default: fuzz/corpus/session next to this script)
import os
import struct
import sys

# fuzz_session.cpp's Mode and Submit bits.
FUZZED_LOGIN, ZLIB, ZSTD, LOCAL_INFILE, MYSQL, SETUP, DEADLINE, RESET = 1, 2, 4, 8, 16, 32, 64, 128
BUFFERED, STREAMING, PING, PIPELINED, ABANDON, KILL, QUIT, LOAD_FILE = 1, 2, 4, 8, 16, 32, 64, 128

MARIADB_CAPS = 0x0000001D81BFF7FE
MYSQL_CAPS = 0xDFFFFFFF & ~0x800  # no TLS
COMPRESS, ZSTD_CAP, AUTOCOMMIT, MORE_RESULTS = 0x20, 1 << 26, 0x0002, 0x0008
SCRAMBLE = bytes.fromhex("3a5c2f4e6b7d1a2947583c6e2d7f4b5a6c3e2a19")


def lenenc(n):
    if n < 0xFB:
        return bytes([n])
    if n <= 0xFFFF:
        return b"\xfc" + struct.pack("<H", n)
    return b"\xfd" + struct.pack("<I", n)[:3]


def lenenc_str(s):
    return lenenc(len(s)) + s


def frame(payloads, seq=1):
    out = b""
    for p in payloads:
        out += struct.pack("<I", len(p))[:3] + bytes([seq & 0xFF]) + p
        seq += 1
    return out


def stored(inner, seq):
    """One compressed packet holding inner as it is (inflated size 0)."""
    return struct.pack("<I", len(inner))[:3] + bytes([seq]) + b"\x00\x00\x00" + inner


def greeting(mysql, caps, plugin=b"mysql_native_password"):
    version = b"8.0.36" if mysql else b"5.5.5-10.11.6-MariaDB"
    return (b"\x0a" + version + b"\x00" + struct.pack("<I", 42) + SCRAMBLE[:8] + b"\x00"
            + struct.pack("<H", caps & 0xFFFF) + bytes([45]) + struct.pack("<H", AUTOCOMMIT)
            + struct.pack("<H", (caps >> 16) & 0xFFFF) + bytes([len(SCRAMBLE) + 1]) + b"\x00" * 6
            + struct.pack("<I", caps >> 32) + SCRAMBLE[8:] + b"\x00" + plugin + b"\x00")


def ok(status=AUTOCOMMIT, affected=0, insert_id=0, header=b"\x00"):
    return header + lenenc(affected) + lenenc(insert_id) + struct.pack("<HH", status, 0)


def err(code, state, message):
    return b"\xff" + struct.pack("<H", code) + b"#" + state + message


def column(name, mariadb):
    out = b"".join(lenenc_str(s) for s in (b"def", b"test", b"t", b"t", name, name))
    if mariadb:
        out += lenenc_str(b"")  # extended type info, asked for by the client
    return out + b"\x0c" + struct.pack("<HIBHB", 45, 1020, 253, 0, 0) + b"\x00\x00"


def result_set(names, rows, mariadb, status=AUTOCOMMIT):
    out = [lenenc(len(names))] + [column(n, mariadb) for n in names]
    for row in rows:
        out.append(b"".join(b"\xfb" if c is None else lenenc_str(c) for c in row))
    return out + [ok(status, header=b"\xfe")]


def seed(mode, commands, stream, splits=()):
    head = bytes([mode, commands, len(splits)]) + b"".join(struct.pack("<H", s) for s in splits)
    return head + stream


def replies(replies_payloads, compressed):
    """Each command's reply from sequence id 1; compressed: one compressed packet each (seq 1)."""
    out = b""
    for payloads in replies_payloads:
        packets = frame(payloads)
        out += stored(packets, 1) if compressed else packets
    return out


def login(mysql, compression=0, plugin=b"mysql_native_password", auth=(), answers=0):
    """Greeting, the server's auth packets, OK; \a answers: packets the client sends in between."""
    caps = MYSQL_CAPS if mysql else MARIADB_CAPS
    if compression == ZLIB:
        caps |= COMPRESS
    if compression == ZSTD:
        caps |= ZSTD_CAP
    seq = 2
    out = frame([greeting(mysql, caps, plugin)], 0)
    for payload in auth:
        out += frame([payload], seq)
        seq += 1
    return out + frame([ok()], seq + answers)


def seeds():
    select = result_set([b"a", b"b"], [[b"1", b"x"], [b"2", None]], True)
    select_mysql = result_set([b"a", b"b"], [[b"1", b"x"], [b"2", None]], False)
    big = result_set([b"a"], [[b"v%d" % i] for i in range(6)], True)
    more = AUTOCOMMIT | MORE_RESULTS
    multi = [ok(more, 3)] + result_set([b"id"], [[b"7"]], True, more) + [ok(AUTOCOMMIT, 0, 9)]
    yield "buffered-ping-pipelined", seed(0, BUFFERED | PING | PIPELINED, replies([select, [ok()], [ok(affected=1, insert_id=5)]], False))
    yield "buffered-split", seed(0, BUFFERED | PING, replies([select, [ok()]], False), splits=(1, 3, 5, 2, 7))
    yield "streaming", seed(0, STREAMING, replies([big], False))
    yield "streaming-then-ping", seed(0, STREAMING | PING, replies([big, [ok()]], False))
    yield "multi-result", seed(0, BUFFERED, replies([multi], False))
    yield "err-in-rows", seed(0, BUFFERED | PING, frame(select[:4] + [err(1317, b"70100", b"Query execution was interrupted")]) + frame([ok()]))
    # The KILL lands after the first chunk (the target's ERR): only then is the next query written.
    killed = frame([err(1317, b"70100", b"Query execution was interrupted")])
    yield "kill-hold", seed(0, BUFFERED | KILL, killed + frame([ok()]), splits=(len(killed),))
    yield "abandon", seed(0, BUFFERED | PING | ABANDON, replies([select, [ok()]], False))
    yield "quit", seed(0, PING | QUIT, replies([[ok()]], False))
    yield "zlib", seed(ZLIB, BUFFERED | PING | PIPELINED, replies([select, [ok()], [ok(affected=1)]], True))
    yield "zstd", seed(ZSTD | MYSQL, BUFFERED | STREAMING, replies([select_mysql, result_set([b"a"], [[b"v0"], [b"v1"], [b"v2"]], False)], True))
    # LOAD DATA LOCAL INFILE: the request (1), the client's two chunks and empty end (2-4), OK (5).
    yield "local-infile", seed(LOCAL_INFILE, LOAD_FILE | PING, frame([b"\xfbf"]) + frame([ok(affected=2)], 5) + frame([ok()]))
    yield "setup", seed(SETUP, PING, replies([[ok()]], False))
    # A reset after the buffered query: COM_RESET_CONNECTION, COM_INIT_DB, two statements.
    yield "reset", seed(RESET, BUFFERED | PING, replies([select, [ok()], [ok()], [ok()], [ok()], [ok()]], False))
    yield "reset-zlib", seed(RESET | ZLIB, BUFFERED, replies([select, [ok()], [err(1049, b"42000", b"Unknown database 'db'")], [ok()], [ok()]], True))
    yield "unsolicited-err", seed(0, 0, frame([err(1927, b"70100", b"Connection was killed")], 0))
    # The login fuzzed as well.
    yield "login-native", seed(FUZZED_LOGIN, BUFFERED | PING, login(False) + replies([select, [ok()]], False))
    yield "login-setup", seed(FUZZED_LOGIN | SETUP, PING, login(False) + replies([[ok()], [ok()]], False))
    yield "login-sha2-fast", seed(FUZZED_LOGIN | MYSQL, BUFFERED, login(True, 0, b"caching_sha2_password", [b"\x01\x03"]) + replies([select_mysql], False))
    yield "login-switch", seed(FUZZED_LOGIN, PING, login(False, 0, b"mysql_native_password", [b"\xfemysql_native_password\x00" + b"0123456789abcdefghij\x00"], 1) + replies([[ok()]], False))
    # Compressed: the server writes nothing after its login OK before the first command (bytes
    # that came with the OK would be in the wrong framing), so the login is a chunk of its own.
    zlib_login, zstd_login = login(False, ZLIB), login(True, ZSTD)
    yield "login-zlib", seed(FUZZED_LOGIN | ZLIB, BUFFERED | PING, zlib_login + replies([select, [ok()]], True), splits=(len(zlib_login),))
    yield "login-zstd", seed(FUZZED_LOGIN | ZSTD | MYSQL, PING, zstd_login + replies([[ok()]], True), splits=(len(zstd_login),))
    yield "login-refused", seed(FUZZED_LOGIN, PING, frame([greeting(False, MARIADB_CAPS)], 0) + frame([err(1045, b"28000", b"Access denied")], 2))
    yield "login-deadline", seed(FUZZED_LOGIN | DEADLINE, PING, frame([greeting(False, MARIADB_CAPS)], 0), splits=(10, 10, 10, 10, 10))


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "session")
    os.makedirs(out_dir, exist_ok=True)
    for name, data in seeds():
        with open(os.path.join(out_dir, name), "wb") as f:
            f.write(data)
    print("wrote", len(list(seeds())), "seeds to", out_dir)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Records seed inputs for the fuzz targets from real server traffic.

Test-only: run by record-seeds.sh against the throw-away MariaDB of
scripts/lib/throwaway-server.sh. A proxy on 127.0.0.1 sits between the mariadb
command-line client and the server and records what the server sends; the
replies are cut per command (each client packet with sequence id 0 starts one)
and written in each target's input format (see the header of fuzz_<target>.cpp):
  framing      [limit 0][no splits][whole server stream of a session]
  connect      [plugin 0][flags][no splits][greeting .. the login's OK]
  query        [flags][no splits][the reply to one COM_QUERY]
  compression  [zlib][seq 1][no splits][the compressed reply to one command]
"""
import os
import socket
import struct
import subprocess
import sys
import threading
import zlib

OUT = sys.argv[1]
HOST = os.environ["ASYNCMYSQL_TEST_HOST"]
PORT = int(os.environ["ASYNCMYSQL_TEST_PORT"])
DB = os.environ["ASYNCMYSQL_TEST_DB"]


def proxy_once(listener, events):
    """Accepts one client, relays both ways, appends (direction, bytes) in arrival order."""
    client, _ = listener.accept()
    server = socket.create_connection((HOST, PORT))
    lock = threading.Lock()

    def pump(src, dst, tag):
        while True:
            data = src.recv(65536)
            if not data:
                break
            with lock:
                events.append((tag, data))
            dst.sendall(data)
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    a = threading.Thread(target=pump, args=(client, server, "c"))
    b = threading.Thread(target=pump, args=(server, client, "s"))
    a.start(); b.start(); a.join(); b.join()
    client.close(); server.close()


def session(user, password, statements, extra=()):
    """Runs the mariadb client through the proxy; returns the recorded events."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    events = []
    t = threading.Thread(target=proxy_once, args=(listener, events))
    t.start()
    port = listener.getsockname()[1]
    cmd = ["mariadb", "--no-defaults", "-h127.0.0.1", "-P%d" % port, "-u" + user,
           "-p" + password, "--skip-ssl", "--batch", "--force", DB, *extra]
    subprocess.run(cmd, input=statements.encode(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t.join()
    listener.close()
    return events


def packets(stream):
    """(seq, payload) of each uncompressed wire packet."""
    out, at = [], 0
    while at + 4 <= len(stream):
        n = stream[at] | stream[at + 1] << 8 | stream[at + 2] << 16
        out.append((stream[at + 3], stream[at + 4:at + 4 + n]))
        at += 4 + n
    return out


def replies(events):
    """Server bytes before the first command (the login), then per command."""
    parts = [b""]
    for tag, data in events:
        if tag == "c":
            # A new command: sequence id 0 in the (compressed) header, after the login.
            seq = data[3]
            if seq == 0 and len(parts[-1]) and (len(parts) > 1 or login_done(parts[0])):
                parts.append(b"")
        else:
            parts[-1] += data
    return parts


def login_done(server_bytes):
    p = packets(server_bytes)
    return len(p) >= 2 and p[-1][1][:1] == b"\x00"


def client_caps(events):
    """The capabilities of the client's handshake response (packet seq 1)."""
    stream = b"".join(d for t, d in events if t == "c")
    seq, payload = packets(stream)[0]
    caps = struct.unpack_from("<I", payload)[0]
    ext = struct.unpack_from("<I", payload, 28)[0] if not caps & 1 else 0
    return caps | ext << 32


def query_flags(caps):
    flags = 0
    if caps & (1 << 24):
        flags |= 1  # DeprecateEof
    if caps & (1 << 23):
        flags |= 2  # SessionTrack
    if caps & (1 << 35):
        flags |= 4  # MariaDbExtendedTypeInfo
    return flags


def frame(pairs):
    return b"".join(struct.pack("<I", len(p))[:3] + bytes([seq & 0xff]) + p for seq, p in pairs)


def as_library_sees_it(reply):
    """The reply as the server sends it to AsyncMySql, which asks for neither of two MariaDB
    extensions the mariadb client asks for: progress reports (ERR packets with code 0xffff,
    dropped; the later sequence ids close up) and cached metadata (a "metadata follows" byte
    after the column count, cut)."""
    out, dropped, prev = [], 0, b"\x00"
    for seq, p in packets(reply):
        if p[:3] == b"\xff\xff\xff":
            dropped += 1
            continue
        # A column count comes first, or after the OK/EOF that ended the previous result.
        starts = prev[:1] == b"\x00" or (prev[:1] == b"\xfe" and len(prev) < 9)
        if starts and len(p) == 2 and p[0] not in (0x00, 0xfb, 0xfe, 0xff) and p[1] in (0, 1):
            p = p[:1]
        out.append((seq - dropped, p))
        prev = p
    return frame(out)


def deprecate_eof(reply):
    """The same reply as a CLIENT_DEPRECATE_EOF client (as AsyncMySql asks) receives it: no EOF
    after the column definitions, an OK packet with the 0xfe header ending the rows. The
    mariadb client does not ask for it, the library always does."""
    ps = [p for _, p in packets(reply)]
    out, i = [], 0
    while i < len(ps):
        first = ps[i][:1]
        if first in (b"\x00", b"\xff", b"\xfb"):
            out.append(ps[i]); i += 1
            status = struct.unpack_from("<H", ps[i - 1], 3)[0] if first == b"\x00" and len(ps[i - 1]) >= 5 else 0
            if not status & 8:
                break
            continue
        n = ps[i][0]
        out.extend(ps[i:i + 1 + n]); i += 1 + n + 1  # the column EOF goes
        while i < len(ps) and not (ps[i][:1] == b"\xfe" and len(ps[i]) < 9):
            out.append(ps[i]); i += 1
        if i >= len(ps):
            break
        warnings, status = struct.unpack_from("<HH", ps[i], 1)
        out.append(b"\xfe\x00\x00" + struct.pack("<HH", status, warnings)); i += 1
        if not status & 8:
            break
    stream = b""
    for seq, p in enumerate(out, start=1):
        stream += struct.pack("<I", len(p))[:3] + bytes([seq & 0xff]) + p
    return stream


def zstd_variant(reply):
    """The same compressed packets with their zlib bodies recompressed by the zstd tool (MariaDB
    has no zstd; MySQL 8's is the same framing)."""
    out, at = b"", 0
    while at + 7 <= len(reply):
        n = reply[at] | reply[at + 1] << 8 | reply[at + 2] << 16
        seq, inflated = reply[at + 3], reply[at + 4] | reply[at + 5] << 8 | reply[at + 6] << 16
        body = reply[at + 7:at + 7 + n]
        at += 7 + n
        if inflated:
            body = subprocess.run(["zstd", "-q", "-c", "-3"], input=zlib.decompress(body),
                                  stdout=subprocess.PIPE, check=True).stdout
        out += struct.pack("<I", len(body))[:3] + bytes([seq]) + struct.pack("<I", inflated)[:3] + body
    return out


def write(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


TYPES = """
CREATE TEMPORARY TABLE fz (
  ti TINYINT, si SMALLINT, mi MEDIUMINT, i INT, bi BIGINT, bu BIGINT UNSIGNED,
  f FLOAT, d DOUBLE, dc DECIMAL(12,3), dt DATE, dtm DATETIME(6), ts TIMESTAMP(3) NULL,
  tm TIME(6), y YEAR, c CHAR(4), vc VARCHAR(20), bn BINARY(3), vb VARBINARY(8),
  tb TINYBLOB, tx TEXT, e ENUM('a','b'), st SET('x','y'), bt BIT(12), js JSON, g POINT);
INSERT INTO fz VALUES (-128, -32768, 8388607, -2147483648, -9223372036854775808,
  18446744073709551615, 1.5, -2.25e-300, -123456789.125, '2024-02-29',
  '9999-12-31 23:59:59.999999', '2038-01-19 03:14:07.123', '-838:59:59.000000', 2155,
  'ab', 'h\\xc3\\xa9llo \\'q\\'', 'x\\0y', 0x00ff5c27, 0x5c, 'long text', 'b', 'x,y',
  b'101010101010', '{"k": [1, 2.5, null, "s"]}', POINT(1, 2));
INSERT INTO fz VALUES (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '0000-00-00',
  '0000-00-00 00:00:00', NULL, '00:00:00', 0, '', '', '', '', '', '', NULL, '', b'0', 'null', NULL);
SELECT * FROM fz;
SELECT 1 AS one, NULL AS n, 'x' AS s, 2.5e0 AS dbl, 18446744073709551615 AS big;
SELECT * FROM no_such_table_fz;
SELECT 1 FROM fz WHERE 0;
UPDATE fz SET i = 5;
delimiter //
SELECT 1 AS a; SELECT 'two' AS b, 3 AS c//
delimiter ;
"""


def main():
    user = os.environ["ASYNCMYSQL_TEST_USER"]
    pw = os.environ["ASYNCMYSQL_TEST_PASSWORD"]

    events = session(user, pw, TYPES)
    caps = client_caps(events)
    parts = replies(events)
    server_all = b"".join(d for t, d in events if t == "s")
    write("framing", "session-types", b"\x00\x00" + server_all)
    write("framing", "session-types-split", b"\x00\x03" + struct.pack("<HHH", 1, 5, 300) + server_all[:2000])
    write("connect", "native", b"\x00\x00\x00" + parts[0])
    # Every command's reply: the statements above, and what the client asks on its own.
    for n, reply in enumerate(parts[1:]):
        if reply:
            reply = as_library_sees_it(reply)
            write("query", "reply-%02d" % n, bytes([query_flags(caps)]) + b"\x00" + reply)
            if not caps & (1 << 24):
                write("query", "reply-%02d-deprecate-eof" % n, bytes([query_flags(caps) | 1]) + b"\x00" + deprecate_eof(reply))

    ed = session(os.environ["ASYNCMYSQL_TEST_ED_USER"], os.environ["ASYNCMYSQL_TEST_ED_PASSWORD"], "SELECT 1;")
    write("connect", "ed25519-switch", b"\x00\x00\x00" + replies(ed)[0])
    write("connect", "ed25519-plugin", b"\x05\x00\x00" + replies(ed)[0])

    with open(os.path.join(OUT, "infile.csv"), "w") as f:
        f.write("1,2\n")
    li = session(user, pw, "CREATE TEMPORARY TABLE li (a INT, b INT);\n"
                 "LOAD DATA LOCAL INFILE '%s' INTO TABLE li FIELDS TERMINATED BY ',';\n"
                 % os.path.join(OUT, "infile.csv"), extra=["--local-infile=1"])
    os.remove(os.path.join(OUT, "infile.csv"))
    for n, reply in enumerate(replies(li)[1:]):
        if reply.startswith(b"\x00\x00\x00") or len(packets(reply)) == 0:
            continue
        if packets(reply)[0][1][:1] == b"\xfb":
            write("query", "local-infile", bytes([query_flags(client_caps(li)) | 32]) + b"\x00"
                  + as_library_sees_it(reply))

    cz = session(user, pw, "SELECT * FROM information_schema.COLLATIONS;\n"
                 "SELECT REPEAT('abc', 200) AS r, 42 AS n;\nSELECT * FROM no_such_table_fz;\n",
                 extra=["--compress"])
    n = 0
    # Compressed: the login is plain, every command after it is compressed (seq 0 again).
    for reply in replies(cz)[1:]:
        if reply:
            write("compression", "zlib-reply-%02d" % n, b"\x00\x01\x00" + reply)
            write("compression", "zstd-reply-%02d" % n, b"\x01\x01\x00" + zstd_variant(reply))
            n += 1


if __name__ == "__main__":
    main()

"""Hostile: tries to reach a TCP listener of the test's on 127.0.0.1, the machine's
addresses, an abstract Unix socket, and to send UDP datagrams.

Expected: no connection arrives (the sandbox has no network); the correct
code earns every item.
"""
import socket

PARAMS = {}  #<params>

for host in ["127.0.0.1", "localhost", "::1", "0.0.0.0"] + PARAMS["hosts"]:
    try:
        with socket.create_connection((host, PARAMS["port"]), timeout=1) as conn:
            conn.sendall(b"hello from a graded submission\n")
        print("connected to", host)
    except OSError as exc:
        print("no connection to", host, exc)
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.sendto(b"hello", (host, PARAMS["udp_port"]))
    except OSError:
        pass
try:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as unix:
        unix.settimeout(1)
        unix.connect("\0" + PARAMS["abstract"])
        print("connected to the abstract socket")
except OSError as exc:
    print("no connection to the abstract socket", exc)

#<correct.py>

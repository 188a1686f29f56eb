"""A scripted client of ctr-monitor's attach socket (docs/monitor-protocol.md, "Attach").

Usage: attach.py SOCKET [--out FILE] [--err FILE] STEP...
Steps, run in order (TEXT takes Python escapes such as \\n):
  hello            read the HELLO; print "HELLO <payload>"
  stdin:TEXT       send STDIN          close        send STDIN_CLOSE
  resize:ROWS COLS send RESIZE         raw:TYPE:LEN send a record of LEN bytes 'x'
  rawp:TYPE:TEXT   send a record of TYPE with TEXT as payload
  count:N          read until N bytes of output came; print "GOT N"
  expect:TEXT      read until the output contains TEXT; print "EXPECT ok"
  read             read until END or end of file; print "END" or "EOF", then byte counts
  closed           wait for the monitor to close the connection; print "CLOSED"
  sleep:SECONDS    do nothing, without reading
  full:N           open N more connections (HELLO each), then one more: print "FULL REFUSED
                   <payload>" when the monitor refuses it; then send it RESIZE (print
                   "RESIZE kept" when the connection stays) and STDIN (print "STDIN closed"
                   when the monitor closes it: a refused connection takes RESIZE only)
Output records go to --out (STDOUT) and --err (STDERR) files when given. Exits 1 on a
timeout (30 s per step: a guard against a hang) or a protocol surprise.
"""
import os
import socket
import sys
import time

HELLO, STDOUT, STDERR, END, REFUSED = 0, 1, 2, 3, 4
STDIN, STDIN_CLOSE, RESIZE = 16, 17, 18
MAX = 32768
TIMEOUT = 30


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    if len(path.encode()) >= 108:  # too long for sun_path: through the directory's fd
        d = os.open(os.path.dirname(path), os.O_PATH)
        path = "/proc/self/fd/%d/%s" % (d, os.path.basename(path))
    s.connect(path)
    return s


class Client:
    def __init__(self, path, out, err):
        self.path = path
        self.s = connect(path)
        self.s.settimeout(TIMEOUT)
        self.out = open(out, "wb") if out else None
        self.err = open(err, "wb") if err else None
        self.seen = bytearray()  # stdout, for expect
        self.nout = self.nerr = 0
        self.ended = False

    def send(self, rtype, payload=b""):
        self.s.send(bytes([rtype]) + payload)

    def recv(self):
        """One record: (type, payload), or (None, b"") at end of file."""
        rec = self.s.recv(1 + MAX + 1)
        if not rec:
            return None, b""
        return rec[0], rec[1:]

    def take(self):
        """Receive one output record; False at END or end of file."""
        t, p = self.recv()
        if t is None:
            return False
        if t == END:
            self.ended = True
            return False
        if t == STDOUT:
            self.nout += len(p)
            if self.out:
                self.out.write(p)
            if len(self.seen) < 1 << 20:
                self.seen += p
        elif t == STDERR:
            self.nerr += len(p)
            if self.err:
                self.err.write(p)
        else:
            sys.exit("unexpected record type %d" % t)
        return True

    def flush(self):
        for f in (self.out, self.err):
            if f:
                f.flush()


def hello_of(s):
    rec = s.recv(1 + MAX)
    if not rec or rec[0] != HELLO:
        return None
    return rec[1:].decode()


def full(path, n):
    held = [connect(path) for _ in range(n)]
    for h in held:
        h.settimeout(TIMEOUT)
        if hello_of(h) is None:
            sys.exit("no HELLO on one of %d connections" % n)
    extra = connect(path)
    extra.settimeout(TIMEOUT)
    rec = extra.recv(1 + MAX)
    if not rec or rec[0] != REFUSED:
        sys.exit("the connection beyond the limit got %r, not REFUSED" % rec[:40])
    print("FULL REFUSED " + rec[1:].decode())
    extra.send(bytes([RESIZE]) + b"24 80")
    extra.settimeout(0.3)
    try:
        rec = extra.recv(1 + MAX)
        print("RESIZE closed" if not rec else "RESIZE got a record")
    except socket.timeout:
        print("RESIZE kept")
    extra.settimeout(TIMEOUT)
    extra.send(bytes([STDIN]) + b"x")
    try:
        rec = extra.recv(1 + MAX)
    except ConnectionResetError:
        rec = b""
    print("STDIN closed" if not rec else "STDIN got a record")


def step(c, arg):
    name, _, val = arg.partition(":")
    text = val.encode().decode("unicode_escape").encode("latin-1")
    if name == "hello":
        t, p = c.recv()
        if t != HELLO:
            sys.exit("first record is not HELLO: %r" % t)
        print("HELLO " + p.decode())
    elif name == "stdin":
        c.send(STDIN, text)
    elif name == "close":
        c.send(STDIN_CLOSE)
    elif name == "resize":
        c.send(RESIZE, text)
    elif name == "raw":
        rtype, _, length = val.partition(":")
        c.send(int(rtype), b"x" * int(length))
    elif name == "rawp":
        rtype, _, payload = val.partition(":")
        c.send(int(rtype), payload.encode().decode("unicode_escape").encode("latin-1"))
    elif name == "count":
        c.s.settimeout(60)
        while c.nout < int(val) and c.take():
            pass
        c.s.settimeout(TIMEOUT)
        print("GOT %d" % c.nout)
    elif name == "expect":
        while text not in c.seen:
            if not c.take():
                sys.exit("connection ended before %r" % text)
        print("EXPECT ok")
    elif name == "read":
        c.s.settimeout(60)
        while c.take():
            pass
        print("END" if c.ended else "EOF")
        print("OUT %d ERR %d" % (c.nout, c.nerr))
    elif name == "closed":
        try:
            while c.recv()[0] is not None:
                pass
        except ConnectionResetError:
            pass
        print("CLOSED")
    elif name == "sleep":
        time.sleep(float(val))
    elif name == "full":
        full(c.path, int(val))
    else:
        sys.exit("unknown step " + arg)
    c.flush()
    sys.stdout.flush()


def main():
    args = sys.argv[1:]
    path = args.pop(0)
    out = err = None
    while args and args[0] in ("--out", "--err"):
        opt, val = args.pop(0), args.pop(0)
        out, err = (val, err) if opt == "--out" else (out, val)
    c = Client(path, out, err)
    try:
        for a in args:
            step(c, a)
    except socket.timeout:
        sys.exit("timeout at " + a)
    c.flush()


main()

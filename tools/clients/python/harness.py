#!/usr/bin/env python3
"""Test harness: starts a real boled on free loopback ports with a temporary
database and the source tree's model, for the Python and Java client tests
and the examples.

As a library:   d = Daemon(boled, source); d.start(); ... d.stop()
As a wrapper:   harness.py --boled B --source S -- CMD ARGS...
  runs CMD with BOLE_ENDPOINT / BOLE_EVENTS / BOLE_DB set; CMD may write
  the lines "@@harness stop", "@@harness start" or "@@harness restart" on its
  stdout, and reads "@@ok" (or "@@error <why>") on its stdin when done. Every
  other output line is passed through. The exit code is CMD's."""

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import zmq


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Daemon:
    def __init__(self, boled, source, extra=(), log_level="warn", curve_client=None):
        self.boled = boled
        self.source = source
        self.extra = list(extra)
        self.log_level = log_level
        self.dir = tempfile.mkdtemp(prefix="bole-clients-")
        self.db = os.path.join(self.dir, "bole.db")
        self.log = os.path.join(self.dir, "boled.log")
        self.endpoint = "tcp://127.0.0.1:%d" % free_port()
        self.events = "tcp://127.0.0.1:%d" % free_port()
        self.proc = None
        self.curve_client = curve_client  # (public, secret) Z85 when boled runs --auth

    @property
    def server_key_file(self):
        """The server's public key file boled writes with --auth."""
        return self.db + ".key.pub"

    def start(self, timeout=30.0):
        """Start boled and wait until it answers health."""
        argv = [self.boled, "--listen", self.endpoint, "--events", self.events,
                "--db", self.db, "--model", os.path.join(self.source, "models"),
                "--log-level", self.log_level] + self.extra
        logf = open(self.log, "ab")
        self.proc = subprocess.Popen(argv, stdout=logf, stderr=logf)
        logf.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.dump_log()
                raise RuntimeError("boled exited with %d at start" % self.proc.returncode)
            if self._healthy():
                return
            time.sleep(0.05)
        self.dump_log()
        raise RuntimeError("boled did not answer health in %.0fs" % timeout)

    def _healthy(self):
        # A raw health request (id 1, api_version 1, health {}) so the harness
        # does not depend on the client under test.
        ctx = zmq.Context.instance()
        s = ctx.socket(zmq.DEALER)
        s.linger = 0
        if self.curve_client is not None:
            if not os.path.exists(self.server_key_file):
                s.close(linger=0)
                return False
            with open(self.server_key_file) as f:
                s.curve_serverkey = f.read().strip().encode()
            s.curve_publickey, s.curve_secretkey = self.curve_client
        s.connect(self.endpoint)
        try:
            s.send_multipart([b"", bytes.fromhex("080110015200")])
            return bool(s.poll(200))
        finally:
            s.close(linger=0)

    def stop(self, sig=signal.SIGTERM):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def restart(self):
        self.stop()
        self.start()

    def dump_log(self, lines=40):
        try:
            with open(self.log, "r", errors="replace") as f:
                tail = f.readlines()[-lines:]
        except OSError:
            return
        sys.stderr.write("---- boled log (last %d lines) ----\n%s---- end ----\n"
                         % (lines, "".join(tail)))

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, exc_type, *rest):
        if exc_type is not None:
            self.dump_log()
        self.cleanup()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--boled", required=True)
    ap.add_argument("--source", required=True)
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd
    d = Daemon(a.boled, a.source)
    d.start()
    env = dict(os.environ, BOLE_ENDPOINT=d.endpoint, BOLE_EVENTS=d.events, BOLE_DB=d.db)
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env,
                         text=True, bufsize=1)
    try:
        for line in p.stdout:
            if line.startswith("@@harness "):
                what = line.split()[1]
                try:
                    {"stop": d.stop, "start": d.start, "restart": d.restart}[what]()
                    p.stdin.write("@@ok\n")
                except Exception as e:  # report to the child, it decides
                    p.stdin.write("@@error %s\n" % e)
                p.stdin.flush()
                continue
            sys.stdout.write(line)
            sys.stdout.flush()
        rc = p.wait()
    finally:
        if p.poll() is None:
            p.kill()
        if p.returncode != 0:
            d.dump_log()
        d.cleanup()
    sys.exit(rc)


if __name__ == "__main__":
    main()

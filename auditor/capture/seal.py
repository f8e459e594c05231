"""Seal a captured run: the vendor's program is untrusted, and a fresh HOME alone does not confine it.

- Network: where the platform allows (root, or user namespaces), each run gets its own network namespace
  in which only loopback exists and every address routes to it. The fake API's port is served inside
  through a socket the child hands back (seal_exec.py), so the proxy works as before; a resolver of ours
  answers every name with NXDOMAIN; any other connection is refused at once. Each attempt is recorded
  when it is made — `DNS name`, `TCP host:port`, `UDP host:port` beside the proxy's `CONNECT host:port`
  — so what a capture records is what the program tried, not what happened to finish before it ended.
- ssh: a stub first on the PATH (and GIT_SSH_COMMAND, and laid over the real ssh in the namespace)
  records `SSH destination command` and fails: OpenSSH reads the real user's ~/.ssh, whatever HOME says.
- Parent folders: the CLI loads CLAUDE.md, .claude/agents … from every folder above its project. In a
  private mount namespace the highest folder above the sandbox that others can write to (a shared /tmp),
  or else the sandbox's own parent, is covered by an empty tmpfs that shows only what the run needs; the
  folders above that, which only their owners can change, are checked and a file there refuses the run.
- Where namespaces are not available the run still happens, `state` says why it is open, the parent
  folders are all checked, and the report's notes say that off-machine attempts were not all seen.
"""

from __future__ import annotations

import functools
import marshal
import os
import selectors
import shutil
import socket
import struct
import subprocess
import sys
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..errors import CaptureError
from .server import FakeAPI

SEALED = "sealed"
OPEN = "open"
LAUNCHER = Path(__file__).with_name("seal_exec.py")
# An ssh that records its arguments (unit and record separators) and fails as an unreachable host does.
_SSH_STUB = """#!/bin/sh
line=""
for a in "$@"; do line="$line$a$(printf '\\037')"; done
printf '%s\\036' "$line" >> '{log}'
echo "ssh: auditor sandbox: no connections leave this machine" >&2
exit 255
"""
# ssh(1) options that take a value (OpenSSH 9: the letters after ':' in its getopt string).
_SSH_VALUED = set("BbcDEeFIiJLlmOoPpQRSWw")


@functools.cache
def isolation() -> str:
    """SEALED where this machine lets a run have its own network and mount namespaces, else why not
    ("open: …"); asked once per process, by running the launcher's probe."""
    try:
        done = subprocess.run([sys.executable, "-I", "-S", str(LAUNCHER), "--probe"], capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"{OPEN}: {e}"
    if done.returncode == 0:
        return SEALED
    reason = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or [f"exit code {done.returncode}"]
    return f"{OPEN}: {reason[0].removeprefix('auditor seal: ')}"


def _others_can_write(folder: Path) -> bool:
    st = folder.stat()
    return bool(st.st_mode & 0o022) or st.st_uid not in (0, os.getuid())


def covered_folder(root: Path) -> Path | None:
    """The folder a sealed run covers: the highest above `root` that others can write to (they could plant
    files there at any moment), else `root`'s parent (it may be a home folder with the user's own .claude);
    None when `root` sits right under / (which cannot be covered)."""
    above = list(root.parents)[:-1]  # "/" last, left out
    shared = [p for p in above if _others_can_write(p)]
    return shared[-1] if shared else (above[0] if above else None)


def planted(folders: Iterable[Path], names: Iterable[str]) -> Path | None:
    """The first of `names` (relative paths: CLAUDE.md, .claude/agents) present in one of `folders`."""
    names = list(names)
    for folder in folders:
        for name in names:
            if os.path.lexists(folder / name):
                return folder / name
    return None


def kept(covered: Path, needed: Iterable[str | Path]) -> list[str]:
    """What of `needed` lies under `covered` and must stay visible: a folder as itself; a file (or a path
    still to be written) as its folder, unless that is `covered` itself; nested paths once, by the outer."""
    paths = set()
    for item in needed:
        path = Path(item)
        if not path.is_absolute():
            continue
        if not path.is_dir():
            path = path if path.parent == covered and path.exists() else path.parent
        if path.exists() and path != covered and path.is_relative_to(covered):
            paths.add(path)
    return sorted(str(p) for p in paths if not any(p != q and p.is_relative_to(q) for q in paths))


def ssh_attempt(args: list[str]) -> str:
    """`user@host[:port] remote command` from an ssh command line, its options dropped."""
    port, i = "", 0
    while i < len(args) and args[i].startswith("-") and args[i] != "-":
        if args[i] == "--":
            i += 1
            break
        flags = args[i][1:]
        for j, letter in enumerate(flags):
            if letter in _SSH_VALUED:
                value = flags[j + 1:]
                if not value and i + 1 < len(args):
                    i += 1
                    value = args[i]
                port = value if letter == "p" else port
                break
        i += 1
    destination = args[i] if i < len(args) else "(no host)"
    return " ".join([destination + (f":{port}" if port else ""), *args[i + 1:]])


def dns_query(packet: bytes) -> tuple[str, bytes] | None:
    """The name a DNS query asks for, and the NXDOMAIN answering it; None for anything else."""
    try:
        ident, flags, questions = struct.unpack_from(">HHH", packet)
        if flags & 0x8000 or questions != 1:
            return None
        labels, i = [], 12
        while packet[i]:
            if packet[i] & 0xC0:
                return None
            labels.append(packet[i + 1:i + 1 + packet[i]].decode("ascii", "replace"))
            i += 1 + packet[i]
        question = packet[12:i + 5]
        if len(question) != i + 5 - 12:
            return None
    except (struct.error, IndexError):
        return None
    reply = struct.pack(">HHHHHH", ident, 0x8000 | (flags & 0x0100) | 0x0080 | 3, 1, 0, 0, 0) + question
    return ".".join(labels).lower(), reply


def sniffed(packet: bytes) -> str | None:
    """`TCP host:port` for a connection's first packet (SYN), `UDP host:port` for a datagram, to a non-loopback
    address (the launcher's filter drops loopback); None for anything else (replies, ICMP)."""
    try:
        version = packet[0] >> 4
        if version == 4:
            protocol, host, rest = packet[9], socket.inet_ntop(socket.AF_INET, packet[16:20]), packet[(packet[0] & 0xF) * 4:]
        elif version == 6:
            protocol, host, rest = packet[6], f"[{socket.inet_ntop(socket.AF_INET6, packet[24:40])}]", packet[40:]
        else:
            return None
        port = struct.unpack_from(">H", rest, 2)[0]
        if protocol == 6 and rest[13] & 0x12 == 0x02:  # SYN without ACK
            return f"TCP {host}:{port}"
        if protocol == 17:
            return f"UDP {host}:{port}"
    except (struct.error, IndexError, ValueError):
        return None
    return None


class Seal:
    """The seal of one sandbox (`root`, whose folder `seal/` it keeps its files in): what its runs are started
    with, and the attempts they made, recorded on `api` as egress. Use as a context manager, inside the sandbox.

    `parent_files` are what the program loads from folders above its project (the target's); `state` is
    SEALED, or "open: why not"."""

    def __init__(self, root: Path, api: FakeAPI, parent_files: tuple[str, ...]) -> None:
        self.root = root
        self.api = api
        self.parent_files = parent_files
        self.state = isolation()
        self.dir = root / "seal"
        self.bin = self.dir / "bin"
        self.ssh = self.bin / "ssh"
        self._log = self.dir / "ssh.log"
        self._read = 0
        self._lock = threading.Lock()
        self._runs: list[threading.Thread] = []
        self.covered = covered_folder(root) if self.state == SEALED else None

    def __enter__(self) -> Seal:
        self.bin.mkdir(parents=True)
        self._log.touch()
        self.ssh.write_text(_SSH_STUB.format(log=self._log))
        self.ssh.chmod(0o755)
        above = [p for p in self.root.parents if self.covered is None or not p.is_relative_to(self.covered)]
        found = planted(above, self.parent_files)
        if found is not None:
            raise CaptureError(f"refusing to capture: {found} would reach the run (the program loads it from every folder "
                               f"above its project); remove it, or set TMPDIR to a folder of your own")
        if self.state == SEALED:
            (self.dir / "resolv.conf").write_text("nameserver 127.0.0.1\noptions attempts:1\n")
            nsswitch = Path("/etc/nsswitch.conf")
            if nsswitch.exists():  # names from files and DNS only: no host daemon (nscd, resolved) answers for us
                lines = [line for line in nsswitch.read_text().splitlines() if not line.startswith("hosts:")]
                (self.dir / "nsswitch.conf").write_text("\n".join([*lines, "hosts: files dns", ""]))
        return self

    def __exit__(self, *exc: object) -> None:
        self.wait()

    def env(self) -> dict[str, str]:
        """What the run's environment gets: git's ssh is the stub too (the CLI passes core.sshCommand)."""
        return {"GIT_SSH_COMMAND": str(self.ssh)}

    def launch(self, argv: list[str], cwd: Path, needed: Iterable[str | Path]) -> Launch:
        """How to start `argv` in `cwd` sealed (as it is for an open run); `needed`: files it must see."""
        if self.state != SEALED:
            return Launch(argv)
        host, child = socket.socketpair()
        binds = {"/etc/resolv.conf": str(self.dir / "resolv.conf")} if os.path.exists("/etc/resolv.conf") else {}
        if (self.dir / "nsswitch.conf").exists():
            binds["/etc/nsswitch.conf"] = str(self.dir / "nsswitch.conf")
        real_ssh = shutil.which("ssh", path="/usr/local/bin:/usr/bin:/bin")
        if real_ssh:  # called by its full path too
            binds[os.path.realpath(real_ssh)] = str(self.ssh)
        config = {
            "port": self.api.port, "fd": child.fileno(), "cwd": str(cwd), "bind": binds,
            "hide": [str(self.covered)] if self.covered else [],
            # The Python auditor runs in stays visible: a program it starts may be a script run by it (the
            # test suite's fake CLIs are), and auditor may be installed under a shared /tmp.
            "keep": kept(self.covered, [self.root, *argv, sys.prefix, *needed]) if self.covered else [],
        }
        return Launch([sys.executable, "-I", "-S", str(LAUNCHER), marshal.dumps(config).hex(), "--", *argv], host, child)

    def started(self, proc: subprocess.Popen[bytes] | None, launch: Launch) -> None:
        """Serve a sealed run's sockets on a thread until it ends (`proc` None: it never started)."""
        if launch.child is not None:
            launch.child.close()
        if launch.host is None:
            return
        if proc is None:
            launch.host.close()
            return
        thread = threading.Thread(target=self._serve, args=(proc, launch.host), name="auditor-seal", daemon=True)
        thread.start()
        with self._lock:
            self._runs.append(thread)

    def wait(self) -> None:
        """Let every run's recording finish (each ends with its program), then read the ssh stub's log."""
        with self._lock:
            runs, self._runs = self._runs, []
        for thread in runs:
            thread.join()
        self._read_ssh_log()

    def _read_ssh_log(self) -> None:
        with self._lock:
            try:
                with open(self._log, "rb") as f:
                    f.seek(self._read)
                    data = f.read()
            except OSError:
                return
            done = data.rfind(b"\x1e") + 1
            self._read += done
        for record in data[:done].split(b"\x1e")[:-1]:
            args = record.decode(errors="replace").split("\x1f")[:-1]
            self.api.record_egress("SSH", ssh_attempt(args))

    def _serve(self, proc: subprocess.Popen[bytes], pair: socket.socket) -> None:
        """Accept on the proxy port inside (each connection served by the fake API), answer the resolver,
        read the sniffer; when the program is gone, take what is left in their queues and close them."""
        with pair:
            try:
                _, fds, _, _ = socket.recv_fds(pair, 16, 3)
            except OSError:
                fds = []
        if len(fds) != 3:  # the launcher failed before handing over: it says why on stderr
            for fd in fds:
                os.close(fd)
            return
        proxy, resolver, sniffer = (socket.socket(fileno=fd) for fd in fds)
        exited = _pidfd(proc)
        with selectors.DefaultSelector() as selector, proxy, resolver, sniffer:
            for s in (proxy, resolver, sniffer):
                s.setblocking(False)
                selector.register(s, selectors.EVENT_READ)
            if exited is not None:
                selector.register(exited, selectors.EVENT_READ)
            ended = False
            while not ended:
                ended = proc.poll() is not None
                for key, _ in selector.select(0 if ended else 0.25 if exited is not None else 0.05):
                    if key.fileobj is not exited:
                        self._ready(key.fileobj, proxy, resolver, drain=ended)  # type: ignore[arg-type]
                self._read_ssh_log()
        if exited is not None:
            os.close(exited)

    def _ready(self, s: socket.socket, proxy: socket.socket, resolver: socket.socket, drain: bool) -> None:
        while True:
            try:
                if s is proxy:
                    conn, _ = s.accept()
                    if drain:
                        conn.close()
                    else:
                        conn.setblocking(True)
                        self.api.serve(conn)
                elif s is resolver:
                    data, peer = s.recvfrom(4096)
                    query = dns_query(data)
                    if query is not None:
                        self.api.record_egress("DNS", query[0])
                        s.sendto(query[1], peer)
                else:
                    attempt = sniffed(s.recv(4096))
                    if attempt is not None:
                        self.api.record_egress(*attempt.split(" ", 1))
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return


def _pidfd(proc: subprocess.Popen[bytes]) -> int | None:
    """A descriptor readable once `proc` has exited, so recording ends the moment its program does; None where
    the kernel has none (the loop then polls)."""
    try:
        return os.pidfd_open(proc.pid)
    except (AttributeError, OSError):
        return None


@dataclass
class Launch:
    """A run's command line; for a sealed one, the socket pair its launcher hands the sockets back on."""

    argv: list[str]
    host: socket.socket | None = None
    child: socket.socket | None = None

    @property
    def pass_fds(self) -> tuple[int, ...]:
        return (self.child.fileno(),) if self.child is not None else ()

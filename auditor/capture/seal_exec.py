"""The first thing a sealed capture's child runs: enter new network and mount namespaces, shape them, hand the
sockets the host side serves back over a socket pair, then exec the program (seal.py holds the why).

Run by path with the standard library only (`python -I -S seal_exec.py CONFIG -- PROGRAM ARGS…`, CONFIG
marshalled in hex by the same interpreter; or `--probe`): it must not import auditor, whose folder the
program may not be able to see any more.
Any failure is one line on stderr and exit code 125, before the program ever starts.
"""

from __future__ import annotations

import ctypes
import fcntl
import marshal
import os
import socket
import struct
import sys

CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWNET = 0x00020000, 0x10000000, 0x40000000
MS_NOSUID, MS_NODEV, MS_BIND, MS_REC, MS_PRIVATE = 0x2, 0x4, 0x1000, 0x4000, 0x40000
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1
RTM_NEWROUTE, NLM_F_REQUEST_ACK_EXCL_CREATE = 24, 0x1 | 0x4 | 0x200 | 0x400
RT_TABLE_LOCAL, RTPROT_STATIC, RT_SCOPE_HOST, RTN_LOCAL, RTA_OIF = 255, 4, 254, 2, 4
ETH_P_ALL, SO_ATTACH_FILTER = 0x0003, 26
SNAP = 512  # bytes of a sniffed packet kept: its headers and a DNS question
FAILED = 125

# Classic BPF: keep only packets whose destination is not loopback (127/8, ::1). Offsets are from the IP
# header (a SOCK_DGRAM packet socket). (code, jt, jf, k); jumps count from the next instruction.
_OFF_LOOPBACK = [
    (0x30, 0, 0, 0),           # 0  A = byte 0
    (0x74, 0, 0, 4),           # 1  A >>= 4 (IP version)
    (0x15, 0, 3, 4),           # 2  v4 → 3, else → 6
    (0x20, 0, 0, 16),          # 3  A = IPv4 destination
    (0x54, 0, 0, 0xFF000000),  # 4  A &= 255.0.0.0
    (0x15, 9, 10, 0x7F000000),  # 5  127/8 → drop (15), else → keep (16)
    (0x15, 0, 8, 6),           # 6  v6 → 7, else → drop
    (0x20, 0, 0, 24),          # 7  IPv6 destination, word 0
    (0x15, 0, 7, 0),           # 8
    (0x20, 0, 0, 28),          # 9  word 1
    (0x15, 0, 5, 0),           # 10
    (0x20, 0, 0, 32),          # 11 word 2
    (0x15, 0, 3, 0),           # 12
    (0x20, 0, 0, 36),          # 13 word 3
    (0x15, 0, 1, 1),           # 14 ::1 → drop, else → keep
    (0x06, 0, 0, 0),           # 15 drop
    (0x06, 0, 0, SNAP),        # 16 keep SNAP bytes
]

_libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"{what}: {os.strerror(code)}")


def _write(path: str, text: str) -> None:
    with open(path, "w") as f:
        f.write(text)


def enter() -> None:
    """New network and mount namespaces. Root makes them directly; anyone else (or root without the
    capability, in a container) through a new user namespace that maps only itself, keeping its ids."""
    uid, gid = os.getuid(), os.getgid()
    plain = CLONE_NEWNET | CLONE_NEWNS
    if uid != 0 or _libc.unshare(plain) != 0:
        _check(_libc.unshare(plain | CLONE_NEWUSER), "unshare (user, network and mount namespaces)")
        _write("/proc/self/setgroups", "deny")
        _write("/proc/self/uid_map", f"{uid} {uid} 1")
        _write("/proc/self/gid_map", f"{gid} {gid} 1")
    _check(_libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None), "mount --make-rprivate /")


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    def c(text: str | None) -> bytes | None:
        return None if text is None else text.encode()

    _check(_libc.mount(c(source), c(target), c(fstype), flags, c(data)), f"mount {target}")


def hide(folder: str, keep: list[str]) -> None:
    """Cover `folder` with an empty tmpfs of the same mode, then show again only the paths in `keep`
    (each bound back from the original at its own path, its parents made empty)."""
    held = [(path, os.open(path, os.O_PATH | os.O_CLOEXEC)) for path in keep]
    mode = os.stat(folder).st_mode & 0o7777
    _mount("tmpfs", folder, "tmpfs", MS_NOSUID | MS_NODEV, f"mode={mode:o}")
    for path, fd in held:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if os.path.isdir(f"/proc/self/fd/{fd}"):
            os.mkdir(path)
        else:
            open(path, "x").close()
        _mount(f"/proc/self/fd/{fd}", path, None, MS_BIND | MS_REC)
        os.close(fd)


def bind(files: dict[str, str]) -> None:
    """Lay each source file over its target (a resolver that is ours, the ssh stub over the real ssh)."""
    for target, source in files.items():
        _mount(source, target, None, MS_BIND)


def loopback_only() -> None:
    """Bring `lo` up and route every address to it, so a connection to any host ends here at once (refused),
    and its first packet can be seen, instead of failing unseen as unreachable."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        flags = struct.unpack_from("16sH", fcntl.ioctl(s, SIOCGIFFLAGS, struct.pack("16sH22x", b"lo", 0)))[1]
        fcntl.ioctl(s, SIOCSIFFLAGS, struct.pack("16sH22x", b"lo", flags | IFF_UP))
    lo = socket.if_nametoindex("lo")
    for family in (socket.AF_INET, socket.AF_INET6):
        if family == socket.AF_INET6 and not os.path.exists("/proc/net/if_inet6"):
            continue  # a kernel without IPv6
        rtm = struct.pack("BBBBBBBBI", family, 0, 0, 0, RT_TABLE_LOCAL, RTPROT_STATIC, RT_SCOPE_HOST, RTN_LOCAL, 0)
        body = rtm + struct.pack("HHI", 8, RTA_OIF, lo)
        with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE) as s:
            s.bind((0, 0))
            s.send(struct.pack("IHHII", 16 + len(body), RTM_NEWROUTE, NLM_F_REQUEST_ACK_EXCL_CREATE, 1, 0) + body)
            error = struct.unpack_from("i", s.recv(4096), 16)[0]
        if error:
            raise OSError(-error, f"route every {'IPv6' if family == socket.AF_INET6 else 'IPv4'} address to lo: {os.strerror(-error)}")


def sockets(port: int) -> list[socket.socket]:
    """What the host serves inside: the proxy's port, a resolver on port 53, and a sniffer of what leaves loopback."""
    proxy = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    proxy.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    proxy.bind(("127.0.0.1", port))
    proxy.listen(128)
    resolver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    resolver.bind(("127.0.0.1", 53))
    # Opened listening to no protocol, then bound to loopback and all of them: a packet socket opened for a
    # protocol is hooked to every device at once, and re-binding it waits out the kernel's RCU grace period (10 ms).
    sniffer = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, 0)
    program = ctypes.create_string_buffer(b"".join(struct.pack("HBBI", *op) for op in _OFF_LOOPBACK))
    sniffer.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER, struct.pack("HP", len(_OFF_LOOPBACK), ctypes.addressof(program)))
    sniffer.bind(("lo", ETH_P_ALL))
    return [proxy, resolver, sniffer]


def probe() -> None:
    """Everything a run does that needs privilege, on nothing that matters (the process then ends)."""
    import tempfile  # here only: a run need not pay for it

    enter()
    hide(tempfile.gettempdir(), [])
    loopback_only()
    for s in sockets(9):
        s.close()


def run(config: dict, program: list[str]) -> None:
    enter()
    for folder in config["hide"]:
        hide(folder, config["keep"])
    bind(config["bind"])
    os.chdir(config["cwd"])  # the working folder as the new mounts show it, not the one they cover
    loopback_only()
    held = sockets(config["port"])
    with socket.socket(fileno=config["fd"]) as back:
        socket.send_fds(back, [b"seal"], [s.fileno() for s in held])
    for s in held:
        s.close()


def main(argv: list[str]) -> None:
    try:
        if argv[1:] == ["--probe"]:
            probe()
            return
        config, program = marshal.loads(bytes.fromhex(argv[1])), argv[3:]  # marshal: built in, unlike json (8 ms to import)
        run(config, program)
    except OSError as e:
        sys.stderr.write(f"auditor seal: {e.strerror or e}{f': {e.filename}' if e.filename else ''}\n")
        sys.exit(FAILED)
    try:
        os.execv(program[0], program)
    except OSError as e:
        sys.stderr.write(f"auditor seal: cannot start {program[0]}: {e.strerror}\n")
        sys.exit(FAILED)


if __name__ == "__main__":
    main(sys.argv)

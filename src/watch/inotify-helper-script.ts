// The inotify helper, run as `python3 -I -S -c SCRIPT PARENT_PID`. Python 3.6+ stdlib only (ctypes
// → libc), because Node cannot see IN_CLOSE_WRITE or IN_Q_OVERFLOW (libuv drops both) and no native
// addon can be built on admin nodes; see docs/watching.md. It is kept a dumb pump on purpose: it
// forwards the kernel's raw read() buffers and answers add-watch requests in order, and every
// decision lives in typed, tested TypeScript. It is a string constant because the build (plain tsc)
// copies no other files into dist. Protocol: helper-protocol.ts. Keep it free of backslashes and
// dollar-brace sequences (template literal).

export const INOTIFY_HELPER_SCRIPT = `# clsync-hpc inotify helper (see src/watch/inotify-helper-script.ts)
import ctypes, os, select, struct, sys

HEADER = struct.Struct('<IBii')
# IN_MODIFY IN_ATTRIB IN_CLOSE_WRITE IN_MOVED_FROM IN_MOVED_TO IN_CREATE IN_DELETE IN_DELETE_SELF
# IN_MOVE_SELF, plus IN_ONLYDIR IN_DONT_FOLLOW IN_EXCL_UNLINK
MASK = 0x2 | 0x4 | 0x8 | 0x40 | 0x80 | 0x100 | 0x200 | 0x400 | 0x800 | 0x01000000 | 0x02000000 | 0x04000000
EVENTS, ADDED, ADD_FAILED, READY, INIT_FAILED = 1, 2, 3, 4, 5
ADD_WATCH, REMOVE_WATCH = 1, 2


def main():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.inotify_init1.argtypes = [ctypes.c_int]
    libc.inotify_add_watch.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_uint32]
    libc.inotify_rm_watch.argtypes = [ctypes.c_int, ctypes.c_int]
    out = sys.stdout.fileno()
    inp = sys.stdin.fileno()

    def emit(kind, a, b, payload):
        view = memoryview(HEADER.pack(len(payload) + 9, kind, a, b) + payload)
        while view:
            view = view[os.write(out, view):]

    # Die with the daemon even if it is SIGKILLed while we are stopped: PR_SET_PDEATHSIG = SIGKILL.
    # stdin EOF covers every other case.
    try:
        libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
        libc.prctl(1, 9, 0, 0, 0)
    except AttributeError:
        pass
    if len(sys.argv) > 1 and os.getppid() != int(sys.argv[1]):
        return
    fd = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
    if fd < 0:
        emit(INIT_FAILED, 0, ctypes.get_errno(), b'')
        return
    emit(READY, os.getpid(), 0, b'')
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    poller.register(inp, select.POLLIN)
    pending = b''
    while True:
        for ready, _ in poller.poll():
            if ready == fd:
                try:
                    emit(EVENTS, 0, 0, os.read(fd, 65536))
                except BlockingIOError:
                    pass
                continue
            chunk = os.read(inp, 65536)
            if not chunk:
                return
            pending += chunk
            while len(pending) >= HEADER.size:
                size = struct.unpack_from('<I', pending)[0] + 4
                if len(pending) < size:
                    break
                _, op, arg, _ = HEADER.unpack_from(pending)
                path = pending[HEADER.size:size]
                pending = pending[size:]
                if op == ADD_WATCH:
                    # the reply is written before any later read of the inotify fd, so the watcher
                    # always knows a wd before it sees an event for it
                    wd = libc.inotify_add_watch(fd, path, MASK)
                    if wd < 0:
                        emit(ADD_FAILED, arg, ctypes.get_errno(), path)
                    else:
                        emit(ADDED, arg, wd, path)
                elif op == REMOVE_WATCH:
                    libc.inotify_rm_watch(fd, arg)


try:
    main()
except (BrokenPipeError, KeyboardInterrupt):
    pass
`;

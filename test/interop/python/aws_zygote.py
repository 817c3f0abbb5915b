"""
Runs `aws` commands as children forked from one warmed-up interpreter (a zygote), for the interop
suite (test/interop/helpers/forked-aws.ts).

Why: a fresh `/usr/bin/aws` spends ~0.9 s of CPU importing awscli and loading its models before it
sends a request, and the awscli suite runs ~200 commands. Here that is done once; each command is
then a fork that runs the CLI's own entry point (AWSCLIEntryPoint.main, what /usr/bin/aws calls)
with its own argv, working directory, stdin, stdout, stderr and exit status: the same code sends
the same requests, at ~0.25 s of CPU a command.

Protocol (one JSON object per line):
  stdin  {"id": n, "args": [...], "cwd": "...", "stdin": path|null, "stdout": path, "stderr": path}
  stdout {"id": n, "pid": p}                        the command's process (its own process group)
         {"id": n, "code": c} | {"id": n, "signal": s}   when it has ended
The zygote exits once its stdin is closed and its children have ended.
"""
import io
import json
import os
import select
import signal
import sys

# As /usr/bin/aws does before importing the CLI.
if os.environ.get('LC_CTYPE', '') == 'UTF-8':
    os.environ['LC_CTYPE'] = 'en_US.UTF-8'

import awscli.clidriver as clidriver  # noqa: E402

# What every command would otherwise build first: the session, the plugins, the command tables of
# `aws s3` and `aws s3api`, and the S3 service model. The command tables are the CLI's private
# methods: if another awscli lacks them, the children build what is missing, as /usr/bin/aws would.
driver = clidriver.create_clidriver()
try:
    driver._get_command_table()['s3api']._get_command_table()
    driver.session.get_service_model('s3')
except Exception as error:  # noqa: BLE001 — only a warm-up
    sys.stderr.write(f'aws_zygote: warm-up skipped ({error!r})\n')

STD_ENCODINGS = [(stream.encoding, stream.errors) for stream in (sys.__stdin__, sys.__stdout__, sys.__stderr__)]


def run_child(request, wakeup_fds):
    """In the forked child: become the command's process, run it, never return."""
    try:
        os.setpgid(0, 0)
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        for fd in wakeup_fds:
            os.close(fd)
        stdin = os.open(request['stdin'] or os.devnull, os.O_RDONLY)
        stdout = os.open(request['stdout'], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        stderr = os.open(request['stderr'], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        for fd, target in ((stdin, 0), (stdout, 1), (stderr, 2)):
            os.dup2(fd, target)
            os.close(fd)
        if request.get('cwd'):
            os.chdir(request['cwd'])
        (in_enc, in_err), (out_enc, out_err), (err_enc, err_err) = STD_ENCODINGS
        # New standard streams over the new descriptors, as a new process's would be
        # (unbuffered writes: the environment sets PYTHONUNBUFFERED, as for /usr/bin/aws).
        sys.stdin = io.TextIOWrapper(io.BufferedReader(io.FileIO(0, 'r', closefd=False)), encoding=in_enc, errors=in_err)
        sys.stdout = io.TextIOWrapper(io.FileIO(1, 'w', closefd=False), encoding=out_enc, errors=out_err, write_through=True)
        sys.stderr = io.TextIOWrapper(io.FileIO(2, 'w', closefd=False), encoding=err_enc, errors=err_err, write_through=True)
        code = clidriver.AWSCLIEntryPoint(driver).main(request['args'])
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    except BaseException as error:  # noqa: BLE001 — reported as the command's failure
        try:
            os.write(2, f'aws_zygote: {error!r}\n'.encode())
        finally:
            os._exit(255)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(code or 0)


def main():
    wakeup_read, wakeup_write = os.pipe()
    os.set_blocking(wakeup_read, False)
    os.set_blocking(wakeup_write, False)
    signal.set_wakeup_fd(wakeup_write)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    running = {}
    pending = b''
    reading = True

    def reply(message):
        os.write(1, (json.dumps(message) + '\n').encode())

    def reap():
        while running:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            request_id = running.pop(pid, None)
            if request_id is None:
                continue
            if os.WIFSIGNALED(status):
                reply({'id': request_id, 'signal': signal.Signals(os.WTERMSIG(status)).name})
            else:
                reply({'id': request_id, 'code': os.waitstatus_to_exitcode(status)})

    while reading or running:
        ready, _, _ = select.select([0, wakeup_read] if reading else [wakeup_read], [], [], 1.0)
        if wakeup_read in ready:
            try:
                while os.read(wakeup_read, 512):
                    pass
            except BlockingIOError:
                pass
        reap()
        if 0 in ready:
            chunk = os.read(0, 65536)
            if not chunk:
                reading = False
                continue
            pending += chunk
            while b'\n' in pending:
                line, pending = pending.split(b'\n', 1)
                request = json.loads(line)
                pid = os.fork()
                if pid == 0:
                    run_child(request, (wakeup_read, wakeup_write))
                running[pid] = request['id']
                reply({'id': request['id'], 'pid': pid})


if __name__ == '__main__':
    main()

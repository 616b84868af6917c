/*
 * hybrid ssh-exec: what Windows OpenSSH's sshd does for a session whose default shell is
 * cmd.exe, run inside Wine. The sshd's ForceCommand wrapper (wine-session.sh) starts this
 * program with the client's command line in HYBRID_SSH_COMMAND (taken from
 * SSH_ORIGINAL_COMMAND); it runs
 *
 *     C:\windows\system32\cmd.exe /c <command line, verbatim>
 *
 * through CreateProcessW -- the command line reaches cmd.exe untouched, with no Unix argv
 * re-quoting on the way -- with the session's stdin/stdout/stderr, waits, and exits with
 * cmd.exe's exit code. Without a command it runs an interactive cmd.exe on the session's
 * stdin.
 */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <wchar.h>

static HANDLE inheritable(DWORD which)
{
    HANDLE h = GetStdHandle(which);
    if (h && h != INVALID_HANDLE_VALUE) SetHandleInformation(h, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT);
    return h;
}

int wmain(void)
{
    static const wchar_t prefix[] = L"C:\\windows\\system32\\cmd.exe";
    DWORD n = GetEnvironmentVariableW(L"HYBRID_SSH_COMMAND", NULL, 0);
    wchar_t *command = NULL, *line;
    size_t len;
    STARTUPINFOW si;
    PROCESS_INFORMATION pi;
    DWORD code = 1;

    if (n > 0) {
        command = (wchar_t *)malloc(n * sizeof(wchar_t));
        if (!command) return 1;
        GetEnvironmentVariableW(L"HYBRID_SSH_COMMAND", command, n);
    }
    SetEnvironmentVariableW(L"HYBRID_SSH_COMMAND", NULL);

    len = wcslen(prefix) + 5 + (command ? wcslen(command) : 0) + 1;
    line = (wchar_t *)malloc(len * sizeof(wchar_t));
    if (!line) return 1;
    if (command && *command) _snwprintf(line, len, L"%ls /c %ls", prefix, command);
    else _snwprintf(line, len, L"%ls", prefix);
    line[len - 1] = 0;

    memset(&si, 0, sizeof si);
    si.cb = sizeof si;
    si.dwFlags = STARTF_USESTDHANDLES;
    si.hStdInput = inheritable(STD_INPUT_HANDLE);
    si.hStdOutput = inheritable(STD_OUTPUT_HANDLE);
    si.hStdError = inheritable(STD_ERROR_HANDLE);
    if (!CreateProcessW(NULL, line, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi)) {
        fwprintf(stderr, L"hybrid ssh-exec: CreateProcess(%ls) failed with %lu\n", line, (unsigned long)GetLastError());
        return 1;
    }
    CloseHandle(pi.hThread);
    WaitForSingleObject(pi.hProcess, INFINITE);
    GetExitCodeProcess(pi.hProcess, &code);
    CloseHandle(pi.hProcess);
    return (int)code;
}

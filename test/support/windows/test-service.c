/*
 * hybrid test service: a tiny Windows service for the Wine test host (see SPEC.md).
 *
 *   svc.exe [MARKER-PATH] [--fail-with N] [--start-delay MS] [--stop-delay MS] [ARGS...]
 *
 * Registers with the service control manager (StartServiceCtrlDispatcherW,
 * RegisterServiceCtrlHandlerExW). Normally it reports SERVICE_START_PENDING, then
 * SERVICE_RUNNING, and writes MARKER-PATH (default C:\hybrid-test-service.txt): its command
 * line, its arguments, the service start arguments and its environment, UTF-8, one item a
 * line. On SERVICE_CONTROL_STOP (or SHUTDOWN) it appends "event=stop", reports
 * SERVICE_STOP_PENDING, then SERVICE_STOPPED with exit code 0.
 *
 * --fail-with N: reports SERVICE_STOPPED at once with dwWin32ExitCode
 * ERROR_SERVICE_SPECIFIC_ERROR (1066) and dwServiceSpecificExitCode N, without writing the
 * marker (a service that fails to start).
 *
 * Run outside the SCM (StartServiceCtrlDispatcher fails with 1063), it prints a message to
 * stderr and exits with 1063.
 */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <wchar.h>

static SERVICE_STATUS_HANDLE g_handle;
static SERVICE_STATUS g_status;
static HANDLE g_stop_event;
static int g_argc;
static wchar_t **g_argv;
static const wchar_t *g_marker = L"C:\\hybrid-test-service.txt";
static DWORD g_fail_with = 0;
static DWORD g_start_delay = 0;
static DWORD g_stop_delay = 0;

static void report(DWORD state, DWORD win32_exit, DWORD specific_exit, DWORD wait_hint)
{
    static DWORD checkpoint = 1;
    g_status.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
    g_status.dwCurrentState = state;
    g_status.dwWin32ExitCode = win32_exit;
    g_status.dwServiceSpecificExitCode = specific_exit;
    g_status.dwWaitHint = wait_hint;
    g_status.dwControlsAccepted =
        (state == SERVICE_RUNNING) ? (SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN) : 0;
    g_status.dwCheckPoint =
        (state == SERVICE_RUNNING || state == SERVICE_STOPPED) ? 0 : checkpoint++;
    SetServiceStatus(g_handle, &g_status);
}

/* Writes a wide string as UTF-8 to f. */
static void put_utf8(FILE *f, const wchar_t *s)
{
    int n = WideCharToMultiByte(CP_UTF8, 0, s, -1, NULL, 0, NULL, NULL);
    char *buf;
    if (n <= 0) return;
    buf = (char *)malloc(n);
    if (!buf) return;
    WideCharToMultiByte(CP_UTF8, 0, s, -1, buf, n, NULL, NULL);
    fputs(buf, f);
    free(buf);
}

static void write_marker(DWORD start_argc, LPWSTR *start_argv)
{
    FILE *f = _wfopen(g_marker, L"wb");
    wchar_t *env, *p;
    int i;
    char num[32];
    if (!f) return;
    fputs("hybrid-test-service\r\n", f);
    snprintf(num, sizeof num, "pid=%lu\r\n", (unsigned long)GetCurrentProcessId());
    fputs(num, f);
    fputs("commandLine=", f); put_utf8(f, GetCommandLineW()); fputs("\r\n", f);
    for (i = 0; i < g_argc; i++) {
        snprintf(num, sizeof num, "arg[%d]=", i);
        fputs(num, f); put_utf8(f, g_argv[i]); fputs("\r\n", f);
    }
    for (i = 0; i < (int)start_argc; i++) {
        snprintf(num, sizeof num, "startArg[%d]=", i);
        fputs(num, f); put_utf8(f, start_argv[i]); fputs("\r\n", f);
    }
    fputs("env:\r\n", f);
    env = GetEnvironmentStringsW();
    for (p = env; p && *p; p += wcslen(p) + 1) {
        put_utf8(f, p); fputs("\r\n", f);
    }
    if (env) FreeEnvironmentStringsW(env);
    fputs("event=running\r\n", f);
    fclose(f);
}

static void append_marker(const char *line)
{
    FILE *f = _wfopen(g_marker, L"ab");
    if (!f) return;
    fputs(line, f);
    fputs("\r\n", f);
    fclose(f);
}

static DWORD WINAPI handler(DWORD control, DWORD event_type, LPVOID event_data, LPVOID context)
{
    (void)event_type; (void)event_data; (void)context;
    switch (control) {
    case SERVICE_CONTROL_STOP:
    case SERVICE_CONTROL_SHUTDOWN:
        report(SERVICE_STOP_PENDING, NO_ERROR, 0, g_stop_delay + 3000);
        SetEvent(g_stop_event);
        return NO_ERROR;
    case SERVICE_CONTROL_INTERROGATE:
        SetServiceStatus(g_handle, &g_status);
        return NO_ERROR;
    default:
        return ERROR_CALL_NOT_IMPLEMENTED;
    }
}

static void WINAPI service_main(DWORD argc, LPWSTR *argv)
{
    g_handle = RegisterServiceCtrlHandlerExW(L"", handler, NULL);
    if (!g_handle) return;
    if (g_fail_with) {
        report(SERVICE_STOPPED, ERROR_SERVICE_SPECIFIC_ERROR, g_fail_with, 0);
        return;
    }
    report(SERVICE_START_PENDING, NO_ERROR, 0, g_start_delay + 3000);
    g_stop_event = CreateEventW(NULL, TRUE, FALSE, NULL);
    if (g_start_delay) Sleep(g_start_delay);
    write_marker(argc, argv);
    report(SERVICE_RUNNING, NO_ERROR, 0, 0);
    WaitForSingleObject(g_stop_event, INFINITE);
    append_marker("event=stop");
    if (g_stop_delay) Sleep(g_stop_delay);
    report(SERVICE_STOPPED, NO_ERROR, 0, 0);
}

int wmain(int argc, wchar_t **argv)
{
    SERVICE_TABLE_ENTRYW table[] = { { (LPWSTR)L"", service_main }, { NULL, NULL } };
    int i, have_marker = 0;
    g_argc = argc;
    g_argv = argv;
    for (i = 1; i < argc; i++) {
        if (!wcscmp(argv[i], L"--fail-with") && i + 1 < argc) g_fail_with = (DWORD)_wtoi(argv[++i]);
        else if (!wcscmp(argv[i], L"--start-delay") && i + 1 < argc) g_start_delay = (DWORD)_wtoi(argv[++i]);
        else if (!wcscmp(argv[i], L"--stop-delay") && i + 1 < argc) g_stop_delay = (DWORD)_wtoi(argv[++i]);
        else if (!have_marker && wcsncmp(argv[i], L"--", 2) != 0) { g_marker = argv[i]; have_marker = 1; }
    }
    if (!StartServiceCtrlDispatcherW(table)) {
        DWORD e = GetLastError();
        fwprintf(stderr, L"hybrid test service: StartServiceCtrlDispatcher failed with %lu"
                         L" (run it as a service: sc create NAME binPath= ...)\n", (unsigned long)e);
        return (int)e;
    }
    return 0;
}

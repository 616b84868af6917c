/*
 * hybrid sc-compat: an sc.exe for the Wine test host that prints what Windows' own sc.exe
 * prints and exits with the same codes (see SPEC.md, "sc.exe"). Wine 8's sc.exe prints
 * nothing for create/start/delete/stop errors, exits 1 for every failure and has no `qc`;
 * a provider parsing real sc.exe output needs the real format. This program talks to Wine's
 * real service control manager through the same advapi32 calls as Windows' sc.exe.
 *
 * Commands: query, queryex, qc, create, config, start, stop, pause, continue, interrogate,
 * delete, description, qdescription, failure. Output goes to stdout (like sc.exe), lines
 * end with CRLF; the exit code is the Win32 error code (0 on success).
 *
 * Written from the documented Windows behaviour; no code from another sc implementation.
 */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <wchar.h>

#define ERROR_INVALID_COMMAND_LINE_SC 1639

/* ---- output -------------------------------------------------------------------------- */

static void out(const wchar_t *fmt, ...)
{
    wchar_t buf[8192], crlf[16384];
    int i, j = 0, n;
    char *bytes;
    DWORD written;
    va_list ap;

    va_start(ap, fmt);
    n = _vsnwprintf(buf, 8191, fmt, ap);
    va_end(ap);
    if (n < 0) n = 8191;
    buf[n] = 0;
    for (i = 0; i < n && j < 16380; i++) {
        if (buf[i] == L'\n' && (i == 0 || buf[i - 1] != L'\r')) crlf[j++] = L'\r';
        crlf[j++] = buf[i];
    }
    crlf[j] = 0;
    n = WideCharToMultiByte(CP_OEMCP, 0, crlf, j, NULL, 0, NULL, NULL);
    bytes = (char *)malloc(n + 1);
    if (!bytes) return;
    WideCharToMultiByte(CP_OEMCP, 0, crlf, j, bytes, n, NULL, NULL);
    WriteFile(GetStdHandle(STD_OUTPUT_HANDLE), bytes, (DWORD)n, &written, NULL);
    free(bytes);
}

static const wchar_t *fallback_message(DWORD code)
{
    switch (code) {
    case 2: return L"The system cannot find the file specified.";
    case 5: return L"Access is denied.";
    case 87: return L"The parameter is incorrect.";
    case 1051: return L"A stop control has been sent to a service that other running services are dependent on.";
    case 1052: return L"The requested control is not valid for this service.";
    case 1053: return L"The service did not respond to the start or control request in a timely fashion.";
    case 1056: return L"An instance of the service is already running.";
    case 1058: return L"The service cannot be started, either because it is disabled or because it has no enabled devices associated with it.";
    case 1060: return L"The specified service does not exist as an installed service.";
    case 1061: return L"The service cannot accept control messages at this time.";
    case 1062: return L"The service has not been started.";
    case 1066: return L"The service has returned a service-specific error code.";
    case 1072: return L"The specified service has been marked for deletion.";
    case 1073: return L"The specified service already exists.";
    case 1077: return L"No attempts to start the service have been made since the last boot.";
    case 1078: return L"The name is already in use as either a service name or a service display name.";
    case 1639: return L"Invalid command line argument. Consult the Windows Installer SDK for detailed command line help.";
    default: return NULL;
    }
}

/* "[SC] <what> FAILED <code>:\n\n<message>\n\n" and the exit code, as sc.exe does. */
static int fail(const wchar_t *what, DWORD code)
{
    const wchar_t *fb = fallback_message(code);
    out(L"[SC] %ls FAILED %lu:\n\n", what, (unsigned long)code);
    if (fb) {
        out(L"%ls\n\n", fb);
    } else {
        wchar_t *msg = NULL;
        if (FormatMessageW(FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
                           NULL, code, 0, (LPWSTR)&msg, 0, NULL) && msg) {
            size_t l = wcslen(msg);
            while (l > 0 && (msg[l - 1] == L'\n' || msg[l - 1] == L'\r')) msg[--l] = 0;
            out(L"%ls\n\n", msg);
            LocalFree(msg);
        } else {
            out(L"\n");
        }
    }
    return (int)code;
}

static int usage(const wchar_t *text)
{
    out(L"DESCRIPTION:\n        %ls\nUSAGE:\n        sc <server> [command] [service name] <option1> <option2>...\n\n", text);
    return ERROR_INVALID_COMMAND_LINE_SC;
}

/* ---- status printing ----------------------------------------------------------------- */

static const wchar_t *type_name(DWORD t)
{
    switch (t) {
    case SERVICE_KERNEL_DRIVER: return L"KERNEL_DRIVER";
    case SERVICE_FILE_SYSTEM_DRIVER: return L"FILE_SYSTEM_DRIVER";
    case SERVICE_WIN32_OWN_PROCESS: return L"WIN32_OWN_PROCESS";
    case SERVICE_WIN32_SHARE_PROCESS: return L"WIN32_SHARE_PROCESS";
    case SERVICE_WIN32_OWN_PROCESS | SERVICE_INTERACTIVE_PROCESS: return L"WIN32_OWN_PROCESS (interactive)";
    case SERVICE_WIN32_SHARE_PROCESS | SERVICE_INTERACTIVE_PROCESS: return L"WIN32_SHARE_PROCESS (interactive)";
    case SERVICE_WIN32: return L"WIN32";
    default: return L"";
    }
}

static const wchar_t *state_name(DWORD s)
{
    switch (s) {
    case SERVICE_STOPPED: return L"STOPPED";
    case SERVICE_START_PENDING: return L"START_PENDING";
    case SERVICE_STOP_PENDING: return L"STOP_PENDING";
    case SERVICE_RUNNING: return L"RUNNING";
    case SERVICE_CONTINUE_PENDING: return L"CONTINUE_PENDING";
    case SERVICE_PAUSE_PENDING: return L"PAUSE_PENDING";
    case SERVICE_PAUSED: return L"PAUSED";
    default: return L"";
    }
}

static void print_status(const wchar_t *name, const SERVICE_STATUS_PROCESS *s, BOOL extended)
{
    if (name) out(L"\nSERVICE_NAME: %ls \n", name);
    out(L"        TYPE               : %lx  %ls  \n", (unsigned long)s->dwServiceType, type_name(s->dwServiceType));
    out(L"        STATE              : %lu  %ls \n", (unsigned long)s->dwCurrentState, state_name(s->dwCurrentState));
    if (s->dwCurrentState != SERVICE_STOPPED) {
        out(L"                                (%ls, %ls, %ls)\n",
            (s->dwControlsAccepted & SERVICE_ACCEPT_STOP) ? L"STOPPABLE" : L"NOT_STOPPABLE",
            (s->dwControlsAccepted & SERVICE_ACCEPT_PAUSE_CONTINUE) ? L"PAUSABLE" : L"NOT_PAUSABLE",
            (s->dwControlsAccepted & SERVICE_ACCEPT_SHUTDOWN) ? L"ACCEPTS_SHUTDOWN" : L"IGNORES_SHUTDOWN");
    }
    out(L"        WIN32_EXIT_CODE    : %lu  (0x%lx)\n", (unsigned long)s->dwWin32ExitCode, (unsigned long)s->dwWin32ExitCode);
    out(L"        SERVICE_EXIT_CODE  : %lu  (0x%lx)\n", (unsigned long)s->dwServiceSpecificExitCode, (unsigned long)s->dwServiceSpecificExitCode);
    out(L"        CHECKPOINT         : 0x%lx\n", (unsigned long)s->dwCheckPoint);
    out(L"        WAIT_HINT          : 0x%lx\n", (unsigned long)s->dwWaitHint);
    if (extended) {
        out(L"        PID                : %lu\n", (unsigned long)s->dwProcessId);
        out(L"        FLAGS              : %ls\n", (s->dwServiceFlags & SERVICE_RUNS_IN_SYSTEM_PROCESS) ? L"RUNS_IN_SYSTEM_PROCESS" : L"");
    }
}

static BOOL query_ex(SC_HANDLE svc, SERVICE_STATUS_PROCESS *st)
{
    DWORD needed = 0;
    return QueryServiceStatusEx(svc, SC_STATUS_PROCESS_INFO, (LPBYTE)st, sizeof *st, &needed);
}

/* ---- helpers ------------------------------------------------------------------------- */

static SC_HANDLE g_scm;

static int open_scm(DWORD access)
{
    g_scm = OpenSCManagerW(NULL, NULL, access);
    if (!g_scm) return fail(L"OpenSCManager", GetLastError());
    return 0;
}

/* create/config options: "name=" followed by its value as the next argument */
struct options {
    const wchar_t *type, *start, *error, *binpath, *group, *tag, *depend, *obj, *displayname, *password;
};

static int parse_options(int argc, wchar_t **argv, struct options *o)
{
    int i;
    memset(o, 0, sizeof *o);
    for (i = 0; i < argc; i++) {
        const wchar_t **slot = NULL;
        if (!_wcsicmp(argv[i], L"type=")) slot = &o->type;
        else if (!_wcsicmp(argv[i], L"start=")) slot = &o->start;
        else if (!_wcsicmp(argv[i], L"error=")) slot = &o->error;
        else if (!_wcsicmp(argv[i], L"binpath=")) slot = &o->binpath;
        else if (!_wcsicmp(argv[i], L"group=")) slot = &o->group;
        else if (!_wcsicmp(argv[i], L"tag=")) slot = &o->tag;
        else if (!_wcsicmp(argv[i], L"depend=")) slot = &o->depend;
        else if (!_wcsicmp(argv[i], L"obj=")) slot = &o->obj;
        else if (!_wcsicmp(argv[i], L"displayname=")) slot = &o->displayname;
        else if (!_wcsicmp(argv[i], L"password=")) slot = &o->password;
        if (!slot || i + 1 >= argc) return 0;
        *slot = argv[++i];
    }
    return 1;
}

static int parse_type(const wchar_t *v, DWORD *out_type)
{
    if (!_wcsicmp(v, L"own")) *out_type = SERVICE_WIN32_OWN_PROCESS;
    else if (!_wcsicmp(v, L"share")) *out_type = SERVICE_WIN32_SHARE_PROCESS;
    else if (!_wcsicmp(v, L"interact")) *out_type = SERVICE_WIN32_OWN_PROCESS | SERVICE_INTERACTIVE_PROCESS;
    else if (!_wcsicmp(v, L"kernel")) *out_type = SERVICE_KERNEL_DRIVER;
    else if (!_wcsicmp(v, L"filesys")) *out_type = SERVICE_FILE_SYSTEM_DRIVER;
    else if (!_wcsicmp(v, L"rec")) *out_type = SERVICE_RECOGNIZER_DRIVER;
    else return 0;
    return 1;
}

static int parse_start(const wchar_t *v, DWORD *start, BOOL *delayed)
{
    *delayed = FALSE;
    if (!_wcsicmp(v, L"boot")) *start = SERVICE_BOOT_START;
    else if (!_wcsicmp(v, L"system")) *start = SERVICE_SYSTEM_START;
    else if (!_wcsicmp(v, L"auto")) *start = SERVICE_AUTO_START;
    else if (!_wcsicmp(v, L"demand")) *start = SERVICE_DEMAND_START;
    else if (!_wcsicmp(v, L"disabled")) *start = SERVICE_DISABLED;
    else if (!_wcsicmp(v, L"delayed-auto")) { *start = SERVICE_AUTO_START; *delayed = TRUE; }
    else return 0;
    return 1;
}

static int parse_error(const wchar_t *v, DWORD *err)
{
    if (!_wcsicmp(v, L"normal")) *err = SERVICE_ERROR_NORMAL;
    else if (!_wcsicmp(v, L"severe")) *err = SERVICE_ERROR_SEVERE;
    else if (!_wcsicmp(v, L"critical")) *err = SERVICE_ERROR_CRITICAL;
    else if (!_wcsicmp(v, L"ignore")) *err = SERVICE_ERROR_IGNORE;
    else return 0;
    return 1;
}

/* "a/b/c" -> "a\0b\0c\0\0" */
static wchar_t *multi_sz(const wchar_t *v)
{
    size_t l = wcslen(v), i;
    wchar_t *m = (wchar_t *)calloc(l + 2, sizeof(wchar_t));
    if (!m) return NULL;
    for (i = 0; i < l; i++) m[i] = v[i] == L'/' ? 0 : v[i];
    return m;
}

/* ---- commands ------------------------------------------------------------------------ */

static int cmd_query(int argc, wchar_t **argv, BOOL extended)
{
    SC_HANDLE svc;
    SERVICE_STATUS_PROCESS st;
    int rc;
    if (argc < 1) {
        /* all active Win32 services */
        DWORD needed = 0, count = 0, resume = 0, i;
        BYTE *buf;
        ENUM_SERVICE_STATUS_PROCESSW *e;
        if ((rc = open_scm(SC_MANAGER_ENUMERATE_SERVICE))) return rc;
        EnumServicesStatusExW(g_scm, SC_ENUM_PROCESS_INFO, SERVICE_WIN32, SERVICE_ACTIVE, NULL, 0, &needed, &count, &resume, NULL);
        buf = (BYTE *)malloc(needed + 1);
        if (!buf) return 8;
        resume = 0;
        if (!EnumServicesStatusExW(g_scm, SC_ENUM_PROCESS_INFO, SERVICE_WIN32, SERVICE_ACTIVE, buf, needed, &needed, &count, &resume, NULL))
            return fail(L"EnumQueryServicesStatus:EnumServicesStatusEx", GetLastError());
        e = (ENUM_SERVICE_STATUS_PROCESSW *)buf;
        for (i = 0; i < count; i++) {
            out(L"\nSERVICE_NAME: %ls\nDISPLAY_NAME: %ls\n", e[i].lpServiceName, e[i].lpDisplayName ? e[i].lpDisplayName : L"");
            print_status(NULL, &e[i].ServiceStatusProcess, extended);
        }
        return 0;
    }
    if ((rc = open_scm(SC_MANAGER_CONNECT))) return rc;
    svc = OpenServiceW(g_scm, argv[0], SERVICE_QUERY_STATUS);
    if (!svc) return fail(L"EnumQueryServicesStatus:OpenService", GetLastError());
    if (!query_ex(svc, &st)) return fail(L"QueryServiceStatusEx", GetLastError());
    print_status(argv[0], &st, extended);
    out(L"\n");
    return 0;
}

static int cmd_qc(int argc, wchar_t **argv)
{
    SC_HANDLE svc;
    DWORD needed = 0;
    QUERY_SERVICE_CONFIGW *c;
    const wchar_t *p;
    int rc, first = 1;
    if (argc < 1) return usage(L"Queries the configuration information for a service.");
    if ((rc = open_scm(SC_MANAGER_CONNECT))) return rc;
    svc = OpenServiceW(g_scm, argv[0], SERVICE_QUERY_CONFIG);
    if (!svc) return fail(L"OpenService", GetLastError());
    QueryServiceConfigW(svc, NULL, 0, &needed);
    if (!needed) return fail(L"QueryServiceConfig", GetLastError());
    c = (QUERY_SERVICE_CONFIGW *)malloc(needed);
    if (!c) return 8;
    if (!QueryServiceConfigW(svc, c, needed, &needed)) return fail(L"QueryServiceConfig", GetLastError());
    out(L"[SC] QueryServiceConfig SUCCESS\n\n");
    out(L"SERVICE_NAME: %ls\n", argv[0]);
    out(L"        TYPE               : %-3lx %ls\n", (unsigned long)c->dwServiceType, type_name(c->dwServiceType));
    {
        const wchar_t *sn = L"";
        switch (c->dwStartType) {
        case SERVICE_BOOT_START: sn = L"BOOT_START"; break;
        case SERVICE_SYSTEM_START: sn = L"SYSTEM_START"; break;
        case SERVICE_AUTO_START: sn = L"AUTO_START"; break;
        case SERVICE_DEMAND_START: sn = L"DEMAND_START"; break;
        case SERVICE_DISABLED: sn = L"DISABLED"; break;
        }
        if (c->dwStartType == SERVICE_AUTO_START) {
            SERVICE_DELAYED_AUTO_START_INFO d = { FALSE };
            DWORD n2 = 0;
            if (QueryServiceConfig2W(svc, SERVICE_CONFIG_DELAYED_AUTO_START_INFO, (LPBYTE)&d, sizeof d, &n2) && d.fDelayedAutostart)
                sn = L"AUTO_START  (DELAYED)";
        }
        out(L"        START_TYPE         : %-3lx %ls\n", (unsigned long)c->dwStartType, sn);
    }
    {
        const wchar_t *en = L"";
        switch (c->dwErrorControl) {
        case SERVICE_ERROR_IGNORE: en = L"IGNORE"; break;
        case SERVICE_ERROR_NORMAL: en = L"NORMAL"; break;
        case SERVICE_ERROR_SEVERE: en = L"SEVERE"; break;
        case SERVICE_ERROR_CRITICAL: en = L"CRITICAL"; break;
        }
        out(L"        ERROR_CONTROL      : %-3lx %ls\n", (unsigned long)c->dwErrorControl, en);
    }
    out(L"        BINARY_PATH_NAME   : %ls\n", c->lpBinaryPathName ? c->lpBinaryPathName : L"");
    out(L"        LOAD_ORDER_GROUP   : %ls\n", c->lpLoadOrderGroup ? c->lpLoadOrderGroup : L"");
    out(L"        TAG                : %lu\n", (unsigned long)c->dwTagId);
    out(L"        DISPLAY_NAME       : %ls\n", c->lpDisplayName ? c->lpDisplayName : L"");
    out(L"        DEPENDENCIES       : ");
    for (p = c->lpDependencies; p && *p; p += wcslen(p) + 1) {
        if (!first) out(L"\n                           : ");
        out(L"%ls", p);
        first = 0;
    }
    out(L"\n");
    out(L"        SERVICE_START_NAME : %ls\n", c->lpServiceStartName ? c->lpServiceStartName : L"");
    return 0;
}

static int cmd_create_or_config(int argc, wchar_t **argv, BOOL create)
{
    struct options o;
    DWORD type = SERVICE_NO_CHANGE, start = SERVICE_NO_CHANGE, error = SERVICE_NO_CHANGE;
    BOOL delayed = FALSE;
    wchar_t *deps = NULL;
    SC_HANDLE svc;
    int rc;
    const wchar_t *desc = create ? L"Creates a service entry in the registry and Service Database."
                                 : L"Modifies a service entry in the registry and Service Database.";
    if (argc < 1 || !parse_options(argc - 1, argv + 1, &o)) return usage(desc);
    if (create) {
        if (!o.binpath) return usage(desc);
        type = SERVICE_WIN32_OWN_PROCESS;
        start = SERVICE_DEMAND_START;
        error = SERVICE_ERROR_NORMAL;
    }
    if (o.type && !parse_type(o.type, &type)) return usage(desc);
    if (o.start && !parse_start(o.start, &start, &delayed)) return usage(desc);
    if (o.error && !parse_error(o.error, &error)) return usage(desc);
    if (o.depend) deps = multi_sz(o.depend);
    if ((rc = open_scm(create ? SC_MANAGER_CREATE_SERVICE : SC_MANAGER_CONNECT))) return rc;
    if (create) {
        /* Windows stores the service name as display name when none is given; Wine leaves it empty */
        svc = CreateServiceW(g_scm, argv[0], o.displayname ? o.displayname : argv[0], SERVICE_ALL_ACCESS, type, start, error, o.binpath,
                             o.group, NULL, deps, o.obj, o.password);
        if (!svc) return fail(L"CreateService", GetLastError());
    } else {
        svc = OpenServiceW(g_scm, argv[0], SERVICE_CHANGE_CONFIG);
        if (!svc) return fail(L"OpenService", GetLastError());
        if (!ChangeServiceConfigW(svc, type, start, error, o.binpath, o.group, NULL, deps, o.obj, o.password, o.displayname))
            return fail(L"ChangeServiceConfig", GetLastError());
    }
    if (o.start) {
        SERVICE_DELAYED_AUTO_START_INFO d;
        d.fDelayedAutostart = delayed;
        ChangeServiceConfig2W(svc, SERVICE_CONFIG_DELAYED_AUTO_START_INFO, &d);
    }
    out(create ? L"[SC] CreateService SUCCESS\n" : L"[SC] ChangeServiceConfig SUCCESS\n");
    return 0;
}

static int cmd_start(int argc, wchar_t **argv)
{
    SC_HANDLE svc;
    SERVICE_STATUS_PROCESS st;
    int rc;
    if (argc < 1) return usage(L"Starts a service running.");
    if ((rc = open_scm(SC_MANAGER_CONNECT))) return rc;
    svc = OpenServiceW(g_scm, argv[0], SERVICE_START | SERVICE_QUERY_STATUS);
    if (!svc) return fail(L"OpenService", GetLastError());
    if (!StartServiceW(svc, (DWORD)(argc - 1), argc > 1 ? (LPCWSTR *)(argv + 1) : NULL))
        return fail(L"StartService", GetLastError());
    if (query_ex(svc, &st)) print_status(argv[0], &st, TRUE);
    return 0;
}

static int cmd_control(int argc, wchar_t **argv, DWORD control, DWORD access, const wchar_t *desc)
{
    SC_HANDLE svc;
    SERVICE_STATUS s;
    SERVICE_STATUS_PROCESS st;
    int rc;
    if (argc < 1) return usage(desc);
    if ((rc = open_scm(SC_MANAGER_CONNECT))) return rc;
    svc = OpenServiceW(g_scm, argv[0], access);
    if (!svc) return fail(L"OpenService", GetLastError());
    if (!ControlService(svc, control, &s)) return fail(L"ControlService", GetLastError());
    memset(&st, 0, sizeof st);
    memcpy(&st, &s, sizeof s);
    print_status(argv[0], &st, FALSE);
    return 0;
}

static int cmd_delete(int argc, wchar_t **argv)
{
    SC_HANDLE svc;
    int rc;
    if (argc < 1) return usage(L"Deletes a service entry from the registry.");
    if ((rc = open_scm(SC_MANAGER_CONNECT))) return rc;
    svc = OpenServiceW(g_scm, argv[0], DELETE);
    if (!svc) return fail(L"OpenService", GetLastError());
    if (!DeleteService(svc)) return fail(L"DeleteService", GetLastError());
    out(L"[SC] DeleteService SUCCESS\n");
    return 0;
}

static int cmd_description(int argc, wchar_t **argv)
{
    SC_HANDLE svc;
    SERVICE_DESCRIPTIONW d;
    int rc;
    if (argc < 1) return usage(L"Sets the description string for a service.");
    if ((rc = open_scm(SC_MANAGER_CONNECT))) return rc;
    svc = OpenServiceW(g_scm, argv[0], SERVICE_CHANGE_CONFIG);
    if (!svc) return fail(L"OpenService", GetLastError());
    d.lpDescription = argc > 1 ? argv[1] : (LPWSTR)L"";
    if (!ChangeServiceConfig2W(svc, SERVICE_CONFIG_DESCRIPTION, &d)) return fail(L"ChangeServiceConfig2", GetLastError());
    out(L"[SC] ChangeServiceConfig2 SUCCESS\n");
    return 0;
}

static int cmd_qdescription(int argc, wchar_t **argv)
{
    SC_HANDLE svc;
    BYTE buf[8192];
    DWORD needed = 0;
    SERVICE_DESCRIPTIONW *d = (SERVICE_DESCRIPTIONW *)buf;
    int rc;
    if (argc < 1) return usage(L"Displays the description string of a service.");
    if ((rc = open_scm(SC_MANAGER_CONNECT))) return rc;
    svc = OpenServiceW(g_scm, argv[0], SERVICE_QUERY_CONFIG);
    if (!svc) return fail(L"OpenService", GetLastError());
    if (!QueryServiceConfig2W(svc, SERVICE_CONFIG_DESCRIPTION, buf, sizeof buf, &needed))
        return fail(L"QueryServiceConfig2", GetLastError());
    out(L"[SC] QueryServiceConfig2 SUCCESS\n\nSERVICE_NAME: %ls\nDESCRIPTION:  %ls\n", argv[0],
        d->lpDescription ? d->lpDescription : L"");
    return 0;
}

static int cmd_failure(int argc, wchar_t **argv)
{
    SC_HANDLE svc;
    SERVICE_FAILURE_ACTIONSW fa;
    SC_ACTION actions[16];
    int i, rc;
    if (argc < 1) return usage(L"Changes the actions upon failure.");
    memset(&fa, 0, sizeof fa);
    for (i = 1; i + 1 < argc; i += 2) {
        if (!_wcsicmp(argv[i], L"reset=")) fa.dwResetPeriod = (DWORD)_wtoi(argv[i + 1]);
        else if (!_wcsicmp(argv[i], L"reboot=")) fa.lpRebootMsg = argv[i + 1];
        else if (!_wcsicmp(argv[i], L"command=")) fa.lpCommand = argv[i + 1];
        else if (!_wcsicmp(argv[i], L"actions=")) {
            wchar_t *copy = _wcsdup(argv[i + 1]), *tok, *ctx = NULL;
            DWORD n = 0;
            for (tok = wcstok_s(copy, L"/", &ctx); tok && n < 16; tok = wcstok_s(NULL, L"/", &ctx)) {
                wchar_t *delay = wcstok_s(NULL, L"/", &ctx);
                actions[n].Type = !_wcsicmp(tok, L"restart") ? SC_ACTION_RESTART
                                : !_wcsicmp(tok, L"run") ? SC_ACTION_RUN_COMMAND
                                : !_wcsicmp(tok, L"reboot") ? SC_ACTION_REBOOT : SC_ACTION_NONE;
                actions[n].Delay = delay ? (DWORD)_wtoi(delay) : 0;
                n++;
            }
            fa.cActions = n;
            fa.lpsaActions = actions;
        } else return usage(L"Changes the actions upon failure.");
    }
    if ((rc = open_scm(SC_MANAGER_CONNECT))) return rc;
    svc = OpenServiceW(g_scm, argv[0], SERVICE_CHANGE_CONFIG | SERVICE_START);
    if (!svc) return fail(L"OpenService", GetLastError());
    if (!ChangeServiceConfig2W(svc, SERVICE_CONFIG_FAILURE_ACTIONS, &fa)) return fail(L"ChangeServiceConfig2", GetLastError());
    out(L"[SC] ChangeServiceConfig2 SUCCESS\n");
    return 0;
}

int wmain(int argc, wchar_t **argv)
{
    const wchar_t *c;
    int n;
    wchar_t **a;
    if (argc < 2) return usage(L"SC is a command line program used for communicating with the Service Control Manager and services.");
    if (argv[1][0] == L'\\' && argv[1][1] == L'\\') {
        /* a remote server name: only the local machine exists here */
        if (argc < 3) return usage(L"SC is a command line program used for communicating with the Service Control Manager and services.");
        argv++;
        argc--;
    }
    c = argv[1];
    n = argc - 2;
    a = argv + 2;
    if (!_wcsicmp(c, L"query")) return cmd_query(n, a, FALSE);
    if (!_wcsicmp(c, L"queryex")) return cmd_query(n, a, TRUE);
    if (!_wcsicmp(c, L"qc")) return cmd_qc(n, a);
    if (!_wcsicmp(c, L"create")) return cmd_create_or_config(n, a, TRUE);
    if (!_wcsicmp(c, L"config")) return cmd_create_or_config(n, a, FALSE);
    if (!_wcsicmp(c, L"start")) return cmd_start(n, a);
    if (!_wcsicmp(c, L"stop")) return cmd_control(n, a, SERVICE_CONTROL_STOP, SERVICE_STOP | SERVICE_QUERY_STATUS, L"Sends a STOP control request to a service.");
    if (!_wcsicmp(c, L"pause")) return cmd_control(n, a, SERVICE_CONTROL_PAUSE, SERVICE_PAUSE_CONTINUE, L"Sends a PAUSE control request to a service.");
    if (!_wcsicmp(c, L"continue")) return cmd_control(n, a, SERVICE_CONTROL_CONTINUE, SERVICE_PAUSE_CONTINUE, L"Sends a CONTINUE control request to a service.");
    if (!_wcsicmp(c, L"interrogate")) return cmd_control(n, a, SERVICE_CONTROL_INTERROGATE, SERVICE_INTERROGATE, L"Sends an INTERROGATE control request to a service.");
    if (!_wcsicmp(c, L"delete")) return cmd_delete(n, a);
    if (!_wcsicmp(c, L"description")) return cmd_description(n, a);
    if (!_wcsicmp(c, L"qdescription")) return cmd_qdescription(n, a);
    if (!_wcsicmp(c, L"failure")) return cmd_failure(n, a);
    return usage(L"SC is a command line program used for communicating with the Service Control Manager and services.");
}

#ifndef MODELWATCH_CNCURSESW_SHIM_H
#define MODELWATCH_CNCURSESW_SHIM_H

// SwiftPM drops pkg-config's -D flags for system libraries, so the wide-character
// API (setcchar, mvwadd_wch, wget_wch, ...) must be requested here, before the include.
#define _XOPEN_SOURCE_EXTENDED 1
#define NCURSES_WIDECHAR 1

#include <locale.h>
#include <poll.h>
#include <langinfo.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>
#include <ncursesw/curses.h>

// Everything below wraps a macro or a C global that Swift cannot import (function-like
// macros) or that Swift 6 strict concurrency rejects (mutable globals: stdscr, LINES, ...).

// MARK: globals

static inline WINDOW *mw_stdscr(void) { return stdscr; }
static inline WINDOW *mw_curscr(void) { return curscr; }
static inline int mw_LINES(void) { return LINES; }
static inline int mw_COLS(void) { return COLS; }
static inline int mw_COLORS(void) { return COLORS; }
static inline int mw_COLOR_PAIRS(void) { return COLOR_PAIRS; }
static inline FILE *mw_stdout(void) { return stdout; }
static inline FILE *mw_stdin(void) { return stdin; }

// MARK: geometry

static inline int mw_getmaxy(WINDOW *w) { int y, x; getmaxyx(w, y, x); (void)x; return y; }
static inline int mw_getmaxx(WINDOW *w) { int y, x; getmaxyx(w, y, x); (void)y; return x; }

// MARK: attributes

static inline attr_t mw_A_NORMAL(void) { return A_NORMAL; }
static inline attr_t mw_A_BOLD(void) { return A_BOLD; }
static inline attr_t mw_A_DIM(void) { return A_DIM; }
static inline attr_t mw_A_REVERSE(void) { return A_REVERSE; }
static inline attr_t mw_A_UNDERLINE(void) { return A_UNDERLINE; }
static inline attr_t mw_A_ITALIC(void) { return A_ITALIC; }
static inline attr_t mw_COLOR_PAIR(int n) { return (attr_t)COLOR_PAIR(n); }

// MARK: key codes

static inline int mw_KEY_CODE_YES(void) { return KEY_CODE_YES; }
static inline int mw_KEY_DOWN(void) { return KEY_DOWN; }
static inline int mw_KEY_UP(void) { return KEY_UP; }
static inline int mw_KEY_LEFT(void) { return KEY_LEFT; }
static inline int mw_KEY_RIGHT(void) { return KEY_RIGHT; }
static inline int mw_KEY_HOME(void) { return KEY_HOME; }
static inline int mw_KEY_END(void) { return KEY_END; }
static inline int mw_KEY_FIND(void) { return KEY_FIND; }
static inline int mw_KEY_SELECT(void) { return KEY_SELECT; }
static inline int mw_KEY_A1(void) { return KEY_A1; }
static inline int mw_KEY_A3(void) { return KEY_A3; }
static inline int mw_KEY_C1(void) { return KEY_C1; }
static inline int mw_KEY_C3(void) { return KEY_C3; }
static inline int mw_KEY_PPAGE(void) { return KEY_PPAGE; }
static inline int mw_KEY_NPAGE(void) { return KEY_NPAGE; }
static inline int mw_KEY_BACKSPACE(void) { return KEY_BACKSPACE; }
static inline int mw_KEY_DC(void) { return KEY_DC; }
static inline int mw_KEY_ENTER(void) { return KEY_ENTER; }
static inline int mw_KEY_BTAB(void) { return KEY_BTAB; }
static inline int mw_KEY_F(int n) { return KEY_F(n); }
static inline int mw_KEY_MOUSE(void) { return KEY_MOUSE; }
static inline int mw_KEY_RESIZE(void) { return KEY_RESIZE; }

// MARK: mouse

static inline mmask_t mw_BUTTON1_PRESSED(void) { return BUTTON1_PRESSED; }
static inline mmask_t mw_BUTTON1_RELEASED(void) { return BUTTON1_RELEASED; }
static inline mmask_t mw_BUTTON1_CLICKED(void) { return BUTTON1_CLICKED; }
static inline mmask_t mw_BUTTON4_PRESSED(void) { return BUTTON4_PRESSED; }
static inline mmask_t mw_BUTTON5_PRESSED(void) { return BUTTON5_PRESSED; }
static inline mmask_t mw_REPORT_MOUSE_POSITION(void) { return REPORT_MOUSE_POSITION; }

// MARK: drawing

/// Draws one cell: `wstr` is a NUL-terminated wide string (a spacing character followed by
/// at most CCHARW_MAX-1 combining characters; extra characters are dropped by setcchar).
/// `pair` is passed through setcchar's `opts` so pairs above 32767 work (ncurses >= 6.1).
static inline int mw_put_cell(WINDOW *w, int y, int x, const wchar_t *wstr, attr_t attrs, int pair) {
    cchar_t cc;
    memset(&cc, 0, sizeof cc);
    int p = pair;
    if (setcchar(&cc, wstr, attrs, (short)(pair > 32767 ? 0 : pair), &p) == ERR) {
        return ERR;
    }
    return mvwadd_wch(w, y, x, &cc);
}

/// Draws a plain wide string at (y, x) with attributes and a color pair (no wrapping past `n`).
static inline int mw_put_wstr(WINDOW *w, int y, int x, const wchar_t *wstr, int n, attr_t attrs, int pair) {
    wattr_set(w, attrs, (short)(pair > 32767 ? 0 : pair), &pair);
    int rc = mvwaddnwstr(w, y, x, wstr, n);
    wattr_set(w, A_NORMAL, 0, NULL);
    return rc;
}

static inline int mw_wcwidth(wchar_t c) { return wcwidth(c); }

// MARK: locale

static inline const char *mw_codeset(void) { return nl_langinfo(CODESET); }

// MARK: signals

typedef void (*mw_sighandler_t)(int);

/// Installs `handler` for `sig` with an empty mask. `restart` sets SA_RESTART.
static inline int mw_install_handler(int sig, mw_sighandler_t handler, int restart) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = restart ? SA_RESTART : 0;
    return sigaction(sig, &sa, NULL);
}

static inline int mw_default_handler(int sig) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    sigemptyset(&sa.sa_mask);
    return sigaction(sig, &sa, NULL);
}

/// Whether `sig` is currently ignored (SIG_IGN), e.g. SIGHUP under nohup.
static inline int mw_is_ignored(int sig) {
    struct sigaction old;
    if (sigaction(sig, NULL, &old) != 0) return 0;
    return !(old.sa_flags & SA_SIGINFO) && old.sa_handler == SIG_IGN;
}

/// Saves the current action for `sig` into `saved`, then installs `handler`.
static inline int mw_replace_handler(int sig, mw_sighandler_t handler, int restart, struct sigaction *saved) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = restart ? SA_RESTART : 0;
    return sigaction(sig, &sa, saved);
}

/// Puts back an action saved by mw_replace_handler.
static inline int mw_restore_action(int sig, const struct sigaction *saved) {
    return sigaction(sig, saved, NULL);
}

static inline size_t mw_sigaction_size(void) { return sizeof(struct sigaction); }

static inline int mw_unblock_signal(int sig) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    return sigprocmask(SIG_UNBLOCK, &set, NULL);
}

#endif

/* True when standard input's terminal has hung up (the window was closed): poll is
   async-signal-safe, so a SIGHUP handler can tell "terminal gone" from "reload, please". */
static inline int mw_stdin_hung_up(void) {
    struct pollfd p = { .fd = 0, .events = POLLIN, .revents = 0 };
    if (poll(&p, 1, 0) < 0) return 0;
    return (p.revents & (POLLHUP | POLLERR | POLLNVAL)) != 0;
}

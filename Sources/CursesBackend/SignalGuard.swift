#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import CNcursesw

// Process-wide state shared with signal handlers. Signal handlers cannot capture context,
// so this lives in globals. Only plain integers and a pointer allocated up front are read
// from handlers; all of them are touched (initialized) before any handler is installed.
//
// cursesState: 0 = no curses session, 1 = curses mode, 2 = suspended by SIGTSTP (endwin).
nonisolated(unsafe) private var cursesState: Int32 = 0
/// Set by SIGCONT / after a SIGTSTP resume; consumed by `readEvent` (posts `.resized`).
nonisolated(unsafe) private var resumeEventPending: Int32 = 0
/// Set by SIGCONT / after a SIGTSTP resume; consumed by `draw` (full redraw).
nonisolated(unsafe) private var redrawPending: Int32 = 0
nonisolated(unsafe) private var handlersInstalled = false
/// When 1, SIGHUP with the terminal still there asks for a config reload instead of exiting.
nonisolated(unsafe) private var reloadOnHangup: Int32 = 0
/// Set by such a SIGHUP; consumed by the run loop.
nonisolated(unsafe) private var reloadPending: Int32 = 0
nonisolated(unsafe) private var atexitRegistered = false
/// When 1, SIGINT does not end the process: it sets `interruptPending`, read as Ctrl-C.
nonisolated(unsafe) private var interruptIsKey: Int32 = 0
nonisolated(unsafe) private var interruptPending: Int32 = 0
/// Previous actions, indexed by signal number, put back by `SignalGuard.uninstall()`.
nonisolated(unsafe) private var savedActions: UnsafeMutablePointer<sigaction>? = nil
private let maxSignal: Int32 = 65

/// Signals after which the process ends: restore the terminal, exit with 128+signo.
private let terminatingSignals: [Int32] = [SIGINT, SIGTERM, SIGHUP, SIGQUIT]
/// Crashes: restore the terminal, then let the previous handler (the Swift backtracer, or
/// the default action) run on a sane terminal.
private let crashSignals: [Int32] = [SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT]

/// Leaves curses mode; safe to call more than once. Used by handlers, atexit and shutdown.
private func leaveCursesMode() {
    if cursesState == 1 {
        cursesState = 0
        curs_set(1)
        endwin()
    } else {
        cursesState = 0
    }
}

private func onTerminatingSignal(_ sig: Int32) {
    if sig == SIGINT && interruptIsKey != 0 {
        interruptPending = 1
        return
    }
    leaveCursesMode()
    _exit(128 + sig)
}

/// SIGHUP: a closed terminal ends the session as any terminating signal does; with the
/// terminal still there and reloads enabled, it is `kill -HUP` asking for a config reload,
/// as daemons like Prometheus take it.
private func onHangupSignal(_ sig: Int32) {
    if reloadOnHangup != 0 && mw_stdin_hung_up() == 0 {
        reloadPending = 1
        return
    }
    onTerminatingSignal(sig)
}

private func onCrashSignal(_ sig: Int32) {
    leaveCursesMode()
    if let saved = savedActions, sig < maxSignal {
        mw_restore_action(sig, saved + Int(sig))
    } else {
        mw_default_handler(sig)
    }
    // Returning re-executes the faulting instruction (SEGV, BUS, ILL, FPE) or lets abort()
    // re-raise (ABRT); either way the previous action now handles it.
}

private func onSuspendSignal(_ sig: Int32) {
    let wasActive = cursesState == 1
    if wasActive {
        cursesState = 2
        curs_set(1)
        endwin()
    }
    // Stop for real: default action, unblocked (it is blocked while this handler runs).
    mw_default_handler(SIGTSTP)
    mw_unblock_signal(SIGTSTP)
    raise(SIGTSTP)
    // ... stopped here until SIGCONT (`fg`).
    mw_install_handler(SIGTSTP, onSuspendSignal, 0)
    if wasActive && cursesState == 2 {
        cursesState = 1
        // doupdate after endwin re-enters curses mode (prog mode, keypad, cursor
        // visibility); clearok(curscr) makes it repaint the whole screen.
        clearok(mw_curscr(), true)
        doupdate()
        curs_set(0)
        doupdate()
    }
    redrawPending = 1
    resumeEventPending = 1
}

private func onContinueSignal(_ sig: Int32) {
    // Also covers SIGSTOP/SIGCONT from outside, where SIGTSTP never ran.
    redrawPending = 1
    resumeEventPending = 1
}

/// Signal and exit handling for the one curses session a process can have.
enum SignalGuard {
    static var isActive: Bool { cursesState != 0 }

    static func beginSession() {
        cursesState = 1
        redrawPending = 0
        resumeEventPending = 0
    }

    /// Leaves curses mode (endwin, cursor visible). Idempotent.
    static func endSession() { leaveCursesMode() }

    static func consumeRedraw() -> Bool {
        if redrawPending != 0 { redrawPending = 0; return true }
        return false
    }

    static func setReloadOnHangup(_ on: Bool) { reloadOnHangup = on ? 1 : 0 }

    static func setInterruptIsKey(_ on: Bool) { interruptIsKey = on ? 1 : 0 }

    static func consumeInterrupt() -> Bool {
        if interruptPending != 0 { interruptPending = 0; return true }
        return false
    }

    static func consumeReloadRequest() -> Bool {
        if reloadPending != 0 { reloadPending = 0; return true }
        return false
    }

    static func consumeResumeEvent() -> Bool {
        if resumeEventPending != 0 { resumeEventPending = 0; return true }
        return false
    }

    /// Installs the handlers (SIG_IGN dispositions are left alone) and the atexit hook.
    static func install() {
        // Touch every global a handler reads, so none is lazily initialized inside a handler.
        _ = (cursesState, resumeEventPending, redrawPending, terminatingSignals, crashSignals, maxSignal,
             reloadOnHangup, reloadPending, interruptIsKey, interruptPending)
        if !atexitRegistered {
            atexitRegistered = true
            atexit { leaveCursesMode() }
        }
        guard !handlersInstalled else { return }
        handlersInstalled = true
        if savedActions == nil {
            let p = UnsafeMutablePointer<sigaction>.allocate(capacity: Int(maxSignal))
            UnsafeMutableRawPointer(p).initializeMemory(as: UInt8.self, repeating: 0,
                                                       count: Int(maxSignal) * MemoryLayout<sigaction>.stride)
            savedActions = p
        }
        let saved = savedActions!
        for sig in terminatingSignals where mw_is_ignored(sig) == 0 {
            if sig == SIGHUP {
                mw_replace_handler(sig, onHangupSignal, 0, saved + Int(sig))
            } else {
                mw_replace_handler(sig, onTerminatingSignal, 0, saved + Int(sig))
            }
        }
        for sig in crashSignals {
            mw_replace_handler(sig, onCrashSignal, 0, saved + Int(sig))
        }
        if mw_is_ignored(SIGTSTP) == 0 {
            mw_replace_handler(SIGTSTP, onSuspendSignal, 0, saved + Int(SIGTSTP))
        }
        mw_replace_handler(SIGCONT, onContinueSignal, 0, saved + Int(SIGCONT))
    }

    /// Puts back the actions that were there before `install()`.
    static func uninstall() {
        guard handlersInstalled, let saved = savedActions else { return }
        handlersInstalled = false
        for sig in terminatingSignals + crashSignals + [SIGTSTP, SIGCONT] {
            // A signal that was ignored at install time was left alone (it is still
            // SIG_IGN) and its saved slot is empty: skip it.
            if (sig == SIGTSTP || terminatingSignals.contains(sig)) && mw_is_ignored(sig) != 0 { continue }
            mw_restore_action(sig, saved + Int(sig))
        }
    }
}

#ifndef SHORTLINK_SHIM_H
#define SHORTLINK_SHIM_H

/// Installs an async-signal-safe handler for `sig` that only records a stop request (no SA_RESTART,
/// so a blocking accept() returns EINTR). Returns 0 on success, -1 with errno set.
int shortlink_install_flag_handler(int sig);

/// Returns non-zero once any flagged signal arrived.
int shortlink_stop_requested(void);

/// Asks the kernel to send `sig` to this process when its parent dies (prctl PR_SET_PDEATHSIG).
int shortlink_set_parent_death_signal(int sig);

/// Restores every signal to its default action and empties the blocked mask (for a freshly forked child).
void shortlink_reset_signals(void);

/// Maps one zeroed 64-bit counter shared by this process and the children it forks afterwards
/// (MAP_SHARED | MAP_ANONYMOUS); NULL on failure.
unsigned long long *shortlink_shared_counter_create(void);

/// Atomically reads a shared counter.
unsigned long long shortlink_counter_load(const unsigned long long *counter);

/// Atomically adds one to a shared counter; returns the new value.
unsigned long long shortlink_counter_increment(unsigned long long *counter);

#endif

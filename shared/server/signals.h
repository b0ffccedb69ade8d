// Termination signals for the bootstrap. SIGTERM and SIGINT are blocked in every thread (call
// BlockTerminationSignals before any thread starts, so threads inherit the mask) and received
// synchronously by the main thread in WaitForTerminationSignal: no async-signal-safety puzzles.
#pragma once

namespace datamesh::server {

// Blocks SIGTERM and SIGINT for the calling thread and all threads it creates later. Also
// ignores SIGPIPE, so a peer closing a socket is an error return, not a process death.
void BlockTerminationSignals();

// Waits for SIGTERM or SIGINT; returns the signal number.
int WaitForTerminationSignal();

// Asks the process to shut down as if it had received SIGTERM.
void RequestTermination();

}  // namespace datamesh::server

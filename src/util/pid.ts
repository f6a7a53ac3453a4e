/**
 * Whether a process with this id is running on this host (signal 0: no
 * signal is sent). EPERM means it exists but belongs to another user.
 * Used to take over locks and temporary files left by dead processes.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

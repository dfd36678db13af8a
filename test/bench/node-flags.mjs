// The V8 flags the grid-sftp bin runs with (its shebang line, main/bin/grid-sftp.js): the bench
// runs the grid and the gateway with them so that it measures what users run.
export const NODE_FLAGS = ['--max-semi-space-size=4'];

import { runCli } from './program.js';

process.exitCode = await runCli(process.argv.slice(2));

// Every command closes what it opened, so the process ends by itself. Should some handle leak
// all the same, the command is done and must not hang the terminal: the unref'd timer fires only
// when something else is still keeping the process alive.
setTimeout(() => process.exit(), 3000).unref();

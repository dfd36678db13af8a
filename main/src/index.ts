/** What later parts of main (the gateway, the app service) build on: the home folder and its grid. */
export * from './home/index.js';
export * from './accounts/account-store.js';
export * from './accounts/public-key.js';
export * from './home/secret-box.js';
export { SftpServer, EXTENSIONS, DEFAULT_LIMITS } from './sftp/server.js';

/** What later parts of main (the gateway, the app service) build on: the home folder and its grid. */
export * from './home/index.js';

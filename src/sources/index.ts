export * from './issues-file.js';

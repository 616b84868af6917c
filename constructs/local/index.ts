/** Constructs for the deploying machine itself: files, commands and processes (the `local` provider). */
export * from './file';
export * from './command';
export * from './process';
export * from './health-check';

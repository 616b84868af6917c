export * from './errors';
export * from './refs';
export * from './app';
export * from './operation';
export * from './node-template';
export * from './inputs';
export * from './scaling';
export * from './custom-types';
export { SourceLocation, constructError, creationLocation, errorHere } from './location';

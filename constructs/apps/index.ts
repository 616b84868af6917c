/** Applications assembled from hybrid's constructs. */
export * from './wordpress';

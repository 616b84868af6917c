/**
 * hybrid: one typed program for OpenStack, Kubernetes, bare-metal hosts and Windows services.
 * The construct model (App, Stack, NodeTemplate, refs) and the typed constructs.
 */
export * from './lib/core';

/** Constructs for OpenStack: networks, servers, server groups, security groups, volumes and key pairs (the `openstack` provider). */
export { OpenStackConnectionProps } from './connection';
export * from './network';
export * from './security-group';
export * from './keypair';
export * from './volume';
export * from './server-group';
export * from './server';

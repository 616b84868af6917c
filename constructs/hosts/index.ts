/** Constructs for existing machines reached over SSH: hosts, and the commands, scripts and files on them (the `ssh` provider). */
export { Host, HostProps, HostAuth, HostKey, HostOs, Sudo, KeyFileOptions, SecretKeyOptions, SshConnectionProps } from './host';
export { RemoteCommand, RemoteCommandProps, RemoteRun, RemoteRunProps } from './command';
export { RemoteScript, RemoteScriptProps } from './script';
export { RemoteFile, RemoteFileProps } from './file';
export { RemoteOperation, RemoteScriptOperationOptions } from './operation';

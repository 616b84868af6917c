/** Constructs for Windows machines reached over SSH and the services they run (the `windows` provider). */
export { WindowsHost, WindowsHostProps } from './host';
export {
  WindowsService, WindowsServiceProps, ExposeToClusterOptions, ServiceBinary, ServiceAccount, RecoveryAction, RecoveryOptions, StartType, EnvironmentDelivery,
} from './service';

/** Powertools service name: the `service` dimension of every metric and log line. */
export const SERVICE_NAME = 'helpcenter-deprovisioner';

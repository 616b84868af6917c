#!/usr/bin/env bash
# Brings up a real OpenStack Zed control plane on 127.0.0.1 from Debian 12's packages (installed
# by install.sh): MariaDB, RabbitMQ, Keystone, Placement, Glance, Neutron (ML2 with neutron's own
# `test` mechanism driver, no agents), Nova (fake virt driver) and Cinder (fake volume driver).
# Facts and traps behind each choice: shared/reference/openstack-test-cloud.md.
#
# State lives outside the repository and is thrown away on every bring-up. Idempotent: when the
# cloud is already up (every API answers), it prints so and exits 0. Prints READY at the end.
# Every process runs under setsid with its pid (= process group) in $state/run; down.sh stops them.
#
# Environment:
#   HYBRID_OPENSTACK_STATE_DIR  state, logs and pids (default /var/lib/hybrid-test/openstack)
#   HYBRID_OPENSTACK_CACHE_DIR  where install.sh put the paste ini templates (default /var/cache/hybrid-test/openstack)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
state="${HYBRID_OPENSTACK_STATE_DIR:-/var/lib/hybrid-test/openstack}"
templates="${HYBRID_OPENSTACK_CACHE_DIR:-/var/cache/hybrid-test/openstack}/templates"
py=/usr/bin/python3 # Debian's: `python3` on PATH may be another interpreter without the OpenStack libraries
host=127.0.0.1
password=secret
started=$SECONDS
log() { echo "[openstack up] +$((SECONDS - started))s $*"; }
source "$here/processes.sh"

if [[ $EUID -ne 0 ]]; then
  echo "test/support/openstack/up.sh must run as root" >&2
  exit 1
fi
if [[ ! -f "$templates/nova/api-paste.ini" ]] || ! $py -c 'import nova, neutron, keystone, glance, cinder, placement' 2>/dev/null; then
  echo "the OpenStack test cloud is not installed: run 'bash test/support/openstack/install.sh' as root" >&2
  exit 1
fi

api_up() { curl -fsS -o /dev/null --max-time 3 "http://$host:$1/" 2>/dev/null || curl -sS -o /dev/null -w '%{http_code}' --max-time 3 "http://$host:$1/" 2>/dev/null | grep -qE '^(2|3|4)'; }
all_up() {
  [[ -f "$state/READY" ]] || return 1
  for port in 5000 8778 9292 9696 8774 8776; do api_up $port || return 1; done
}
# Every API daemon still the process up.sh started (a READY left by a machine or session whose
# processes are gone does not count).
daemons_alive() {
  local name
  for name in keystone placement glance-api cinder-api neutron-server nova-api; do
    recorded_process "$state/run/$name.pid" >/dev/null || return 1
  done
}
if all_up; then
  log "already up (state in $state); READY"
  exit 0
fi
if [[ -f "$state/READY" ]] && daemons_alive; then
  # A live cloud that answers slowly (a loaded machine) is waited for, never torn down under the
  # tests that are using it.
  for ((i = 0; i < 60; i++)); do
    sleep 2
    if all_up; then
      log "up, answering slowly (state in $state); READY"
      exit 0
    fi
  done
  echo "the OpenStack test cloud's processes are running but not every API answered within 120 s (logs in $state/log); stop it with down.sh and run up.sh again" >&2
  exit 1
fi

bash "$here/down.sh" >/dev/null 2>&1 || true
rm -rf "$state"
mkdir -p "$state"/{run,log,etc,mysql,rabbitmq,glance/images,nova/instances,cinder,keystone/fernet-keys,keystone/credential-keys,wsgi,tmp}
etc="$state/etc"

# Runs a console-script entry point with Debian's python: `entry nova.cmd.manage:main nova-manage ARGS...`.
entry() {
  local target="$1" name="$2"
  shift 2
  $py -c "import sys; sys.argv[0] = '$name'; from ${target%%:*} import ${target##*:} as main; sys.exit(main())" "$@"
}
# Starts a daemon in its own session; its pid is its process group id.
daemon() {
  local name="$1"
  shift
  setsid "$@" >>"$state/log/$name.log" 2>&1 </dev/null &
  record_process "$name" $!
}
wait_for() {
  local what="$1" limit="$2"
  shift 2
  for ((i = 0; i < limit * 5; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  echo "timed out after ${limit}s waiting for $what (logs in $state/log)" >&2
  exit 1
}

# ---- MariaDB ------------------------------------------------------------------------------------
log "mariadb"
mariadb-install-db --no-defaults --datadir="$state/mysql" --user=root --auth-root-authentication-method=normal \
  --skip-test-db >"$state/log/mariadb-install.log" 2>&1
daemon mariadb /usr/sbin/mariadbd --no-defaults --user=root --datadir="$state/mysql" \
  --socket="$state/run/mysqld.sock" --pid-file="$state/run/mysqld.real.pid" --bind-address=$host --port=3306 \
  --skip-name-resolve --max-connections=1000 --innodb-flush-log-at-trx-commit=0 --sync-binlog=0 \
  --innodb-doublewrite=0 --innodb-buffer-pool-size=128M --skip-log-bin --character-set-server=utf8mb4 \
  --log-error="$state/log/mariadb.err"
wait_for "mariadb" 30 mariadb --no-defaults -S "$state/run/mysqld.sock" -uroot -e 'select 1'
databases=(keystone glance neutron nova_api nova nova_cell0 placement cinder)
{
  for database in "${databases[@]}"; do echo "CREATE DATABASE $database;"; done
  echo "CREATE USER 'os'@'$host' IDENTIFIED BY '$password';"
  echo "GRANT ALL PRIVILEGES ON *.* TO 'os'@'$host';"
} | mariadb --no-defaults -S "$state/run/mysqld.sock" -uroot
db() { echo "mysql+pymysql://os:$password@$host:3306/$1?charset=utf8"; }

# ---- RabbitMQ -----------------------------------------------------------------------------------
log "rabbitmq"
export HOME="$state/rabbitmq" # the Erlang cookie lives here
export RABBITMQ_NODENAME=rabbit@localhost RABBITMQ_NODE_IP_ADDRESS=$host RABBITMQ_NODE_PORT=5672 RABBITMQ_DIST_PORT=25672
export RABBITMQ_MNESIA_BASE="$state/rabbitmq/mnesia" RABBITMQ_LOG_BASE="$state/log/rabbitmq" RABBITMQ_PID_FILE="$state/run/rabbitmq.real.pid"
export RABBITMQ_ENABLED_PLUGINS_FILE="$state/rabbitmq/enabled_plugins" RABBITMQ_CONFIG_FILE="$state/rabbitmq/rabbitmq"
export ERL_EPMD_ADDRESS=$host RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
echo '[].' >"$RABBITMQ_ENABLED_PLUGINS_FILE"
printf 'listeners.tcp.default = %s:5672\nloopback_users = none\n' $host >"$state/rabbitmq/rabbitmq.conf"
# Our own epmd in the foreground, so that it belongs to a process group down.sh stops.
daemon epmd /usr/bin/epmd -address $host
daemon rabbitmq /usr/lib/rabbitmq/bin/rabbitmq-server
transport="rabbit://guest:guest@$host:5672/"

# ---- configuration ------------------------------------------------------------------------------
keystone_authtoken() {
  cat <<EOF
[keystone_authtoken]
www_authenticate_uri = http://$host:5000/
auth_url = http://$host:5000/
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
username = $1
password = $password
service_token_roles_required = true
EOF
}
service_user() {
  cat <<EOF
[$1]
auth_type = password
auth_url = http://$host:5000/v3
project_domain_name = Default
user_domain_name = Default
project_name = service
username = $2
password = $password
region_name = RegionOne
EOF
}

cat >"$etc/keystone.conf" <<EOF
[DEFAULT]
log_file = $state/log/keystone-app.log
[database]
connection = $(db keystone)
[token]
provider = fernet
expiration = ${HYBRID_OPENSTACK_TOKEN_EXPIRATION:-3600}
[fernet_tokens]
key_repository = $state/keystone/fernet-keys
[credential]
key_repository = $state/keystone/credential-keys
EOF

cat >"$etc/placement.conf" <<EOF
[DEFAULT]
log_file = $state/log/placement-app.log
[placement_database]
connection = $(db placement)
[api]
auth_strategy = keystone
$(keystone_authtoken placement)
EOF

cat >"$etc/glance-api.conf" <<EOF
[DEFAULT]
bind_host = $host
bind_port = 9292
workers = 0
log_file = $state/log/glance-api.log
enabled_backends = fs:file
[database]
connection = $(db glance)
[glance_store]
default_backend = fs
[fs]
filesystem_store_datadir = $state/glance/images
[paste_deploy]
flavor = keystone
config_file = $templates/glance/glance-api-paste.ini
[oslo_policy]
enforce_new_defaults = false
enforce_scope = false
$(keystone_authtoken glance)
EOF

cat >"$etc/neutron.conf" <<EOF
[DEFAULT]
bind_host = $host
bind_port = 9696
core_plugin = ml2
service_plugins = router
auth_strategy = keystone
api_workers = 0
rpc_workers = 1
rpc_state_report_workers = 0
transport_url = $transport
notify_nova_on_port_status_changes = true
notify_nova_on_port_data_changes = true
api_paste_config = $templates/neutron/api-paste.ini
log_file = $state/log/neutron-server.log
state_path = $state/neutron
[database]
connection = $(db neutron)
[oslo_concurrency]
lock_path = $state/tmp
$(keystone_authtoken neutron)
$(service_user nova nova)
EOF
cat >"$etc/ml2_conf.ini" <<EOF
[ml2]
type_drivers = flat,vxlan
tenant_network_types = vxlan
mechanism_drivers = test
extension_drivers = port_security
[ml2_type_flat]
flat_networks = physnet1
[ml2_type_vxlan]
vni_ranges = 1:1000
EOF

cat >"$etc/nova.conf" <<EOF
[DEFAULT]
host = host-ovs-filter-active
compute_driver = fake.FakeDriver
transport_url = $transport
my_ip = $host
osapi_compute_listen = $host
osapi_compute_workers = 1
metadata_workers = 1
enabled_apis = osapi_compute
state_path = $state/nova
instances_path = $state/nova/instances
periodic_fuzzy_delay = 0
use_rootwrap_daemon = false
[api]
auth_strategy = keystone
[api_database]
connection = $(db nova_api)
[database]
connection = $(db nova)
[conductor]
workers = 1
[scheduler]
workers = 1
discover_hosts_in_cells_interval = 2
[filter_scheduler]
enabled_filters = ComputeFilter,ImagePropertiesFilter,ServerGroupAntiAffinityFilter,ServerGroupAffinityFilter
[wsgi]
api_paste_config = $templates/nova/api-paste.ini
[oslo_concurrency]
lock_path = $state/tmp
[glance]
api_servers = http://$host:9292
[vnc]
enabled = false
[cinder]
os_region_name = RegionOne
$(keystone_authtoken nova)
$(service_user placement placement)
$(service_user neutron neutron)
$(service_user service_user nova)
send_service_user_token = true
EOF

cat >"$etc/cinder.conf" <<EOF
[DEFAULT]
osapi_volume_listen = $host
osapi_volume_workers = 1
transport_url = $transport
auth_strategy = keystone
api_paste_config = $templates/cinder/api-paste.ini
enabled_backends = fake
state_path = $state/cinder
my_ip = $host
glance_api_servers = http://$host:9292
[database]
connection = $(db cinder)
[fake]
volume_driver = cinder.tests.fake_driver.FakeLoggingVolumeDriver
volume_backend_name = fake
target_helper = fake
[oslo_concurrency]
lock_path = $state/tmp
$(keystone_authtoken cinder)
[nova]
$(service_user nova nova | tail -n +2)
EOF

cat >"$state/wsgi/keystone.py" <<'EOF'
from keystone.server.wsgi import initialize_public_application
application = initialize_public_application()
EOF
cat >"$state/wsgi/placement.py" <<'EOF'
from placement.wsgi import init_application
application = init_application()
EOF

# ---- schemas: keystone first (everything else authenticates against it), the rest alongside -----
log "database schemas"
(
  entry keystone.cmd.manage:main keystone-manage --config-file "$etc/keystone.conf" db_sync
  entry keystone.cmd.manage:main keystone-manage --config-file "$etc/keystone.conf" fernet_setup --keystone-user root --keystone-group root
  entry keystone.cmd.manage:main keystone-manage --config-file "$etc/keystone.conf" credential_setup --keystone-user root --keystone-group root
  entry keystone.cmd.manage:main keystone-manage --config-file "$etc/keystone.conf" bootstrap --bootstrap-password "$password" \
    --bootstrap-admin-url "http://$host:5000/v3/" --bootstrap-internal-url "http://$host:5000/v3/" \
    --bootstrap-public-url "http://$host:5000/v3/" --bootstrap-region-id RegionOne
) >"$state/log/keystone-manage.log" 2>&1 &
keystone_sync=$!
(
  entry neutron.db.migration.cli:main neutron-db-manage --config-file "$etc/neutron.conf" --config-file "$etc/ml2_conf.ini" upgrade heads
) >"$state/log/neutron-db-manage.log" 2>&1 &
neutron_sync=$!
(
  nova_manage() { entry nova.cmd.manage:main nova-manage --config-file "$etc/nova.conf" "$@"; }
  nova_manage api_db sync
  nova_manage cell_v2 map_cell0 --database_connection "$(db nova_cell0)"
  nova_manage cell_v2 create_cell --name cell1 --database_connection "$(db nova)" --transport-url "$transport"
  nova_manage db sync
) >"$state/log/nova-manage.log" 2>&1 &
nova_sync=$!
(
  entry placement.cmd.manage:main placement-manage --config-file "$etc/placement.conf" db sync
  entry glance.cmd.manage:main glance-manage --config-file "$etc/glance-api.conf" db_sync
  entry cinder.cmd.manage:main cinder-manage --config-file "$etc/cinder.conf" db sync
) >"$state/log/other-manage.log" 2>&1 &
other_sync=$!

wait $keystone_sync || { echo "keystone schema failed: $state/log/keystone-manage.log" >&2; exit 1; }
log "keystone"
uwsgi_app() {
  local name="$1" port="$2" config="$3"
  daemon "$name" env OS_KEYSTONE_CONFIG_FILES="$config" OS_PLACEMENT_CONFIG_DIR="$etc" \
    /usr/bin/uwsgi-core --plugin-dir /usr/lib/uwsgi/plugins --plugin python3 --http-socket "$host:$port" \
    --wsgi-file "$state/wsgi/$name.py" --master --processes 1 --threads 4 --die-on-term --lazy-apps \
    --add-header "Connection: close" --buffer-size 65535 --disable-logging
}
# Keystone reads its config from OS_KEYSTONE_CONFIG_FILES; placement from OS_PLACEMENT_CONFIG_DIR/placement.conf.
uwsgi_app keystone 5000 "$etc/keystone.conf"
wait_for "keystone" 60 curl -fsS "http://$host:5000/v3"
log "identity: projects, users, services, endpoints"
$py "$here/bootstrap.py" identity >"$state/log/bootstrap-identity.log" 2>&1 || { cat "$state/log/bootstrap-identity.log" >&2; exit 1; }

wait $other_sync || { echo "schema sync failed: $state/log/other-manage.log" >&2; exit 1; }
log "placement, glance, cinder"
uwsgi_app placement 8778 "$etc/keystone.conf"
daemon glance-api $py -c "import sys; sys.argv[0]='glance-api'; from glance.cmd.api import main; sys.exit(main())" --config-file "$etc/glance-api.conf"
cinder_entry() { daemon "$1" $py -c "import sys; sys.argv[0]='$1'; from cinder.cmd.${2} import main; sys.exit(main())" --config-file "$etc/cinder.conf" --log-file "$state/log/$1.log"; }
cinder_entry cinder-api api
cinder_entry cinder-scheduler scheduler
cinder_entry cinder-volume volume

wait $neutron_sync || { echo "neutron schema failed: $state/log/neutron-db-manage.log" >&2; exit 1; }
log "neutron"
# -O compiles out the unit-test asserts of the `test` mechanism driver (reference, trap 1).
daemon neutron-server $py -O -c "import sys; sys.argv[0]='neutron-server'; from neutron.cmd.eventlet.server import main; sys.exit(main())" \
  --config-file "$etc/neutron.conf" --config-file "$etc/ml2_conf.ini"

wait $nova_sync || { echo "nova schema failed: $state/log/nova-manage.log" >&2; exit 1; }
log "nova"
for service in api conductor scheduler compute; do
  daemon "nova-$service" $py -c "import sys; sys.argv[0]='nova-$service'; from nova.cmd.$service import main; sys.exit(main())" --config-file "$etc/nova.conf" --log-file "$state/log/nova-$service.log"
done

wait_for "rabbitmq" 60 bash -c "echo > /dev/tcp/$host/5672"
for port in 8778 9292 8776 9696 8774; do wait_for "the API on port $port" 120 curl -sS -o /dev/null "http://$host:$port/"; done
log "APIs answer; registering compute, flavors, networks, image"
$py "$here/bootstrap.py" resources >"$state/log/bootstrap-resources.log" 2>&1 || { cat "$state/log/bootstrap-resources.log" >&2; exit 1; }
touch "$state/READY"
log "READY (state and logs in $state)"

"""Fills the test cloud through its REST APIs, as up.sh's last steps (stdlib only).

`identity`: projects service and demo, users demo (member of demo) and one per service (admin in
service), the catalog (public/internal/admin endpoints in RegionOne).
`resources`: waits until the compute host is mapped and cinder-volume is up, then creates the
flavors m1.tiny (id 1) and m1.nano (id 42), the flat external network `public` with a subnet on
loopback addresses (so a VM simulator can bind sshd to a floating IP), and the image `cirros`.
"""
import json
import sys
import time
import urllib.error
import urllib.request

HOST = "127.0.0.1"
PASSWORD = "secret"
KEYSTONE = f"http://{HOST}:5000/v3"


def call(method, url, body=None, token=None, headers=None, expect=(200, 201, 202, 204)):
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Accept", "application/json")
    if body is not None:
        request.add_header("Content-Type", "application/octet-stream" if isinstance(body, bytes) else "application/json")
    if token:
        request.add_header("X-Auth-Token", token)
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            text = response.read().decode()
            return response.status, (json.loads(text) if text else None), response.headers
    except urllib.error.HTTPError as error:
        text = error.read().decode()
        if error.code in expect:
            return error.code, None, error.headers
        raise RuntimeError(f"{method} {url} -> {error.code}: {text[:400]}") from None


def token(project="admin", user="admin"):
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": user, "domain": {"id": "default"}, "password": PASSWORD}}},
                     "scope": {"project": {"name": project, "domain": {"id": "default"}}}}}
    _, payload, headers = call("POST", f"{KEYSTONE}/auth/tokens", body)
    return headers["X-Subject-Token"], payload["token"]


def identity():
    admin, _ = token()
    find = lambda kind, name: next(item for item in call("GET", f"{KEYSTONE}/{kind}?name={name}", token=admin)[1][kind])
    projects = {}
    for project in ("service", "demo"):
        projects[project] = call("POST", f"{KEYSTONE}/projects", {"project": {"name": project, "domain_id": "default"}}, admin)[1]["project"]["id"]
    call("POST", f"{KEYSTONE}/roles", {"role": {"name": "service"}}, admin)
    roles = {name: find("roles", name)["id"] for name in ("admin", "member", "service")}
    # Service users hold `service` too: Cinder accepts a detach only with Nova's service token
    # carrying it (ConflictNovaUsingAttachment otherwise), and the services require it of service tokens.
    users = [("demo", "demo", ["member"])] + [(name, "service", ["admin", "service"]) for name in ("nova", "neutron", "glance", "cinder", "placement")]
    for user, project, user_roles in users:
        user_id = call("POST", f"{KEYSTONE}/users", {"user": {"name": user, "password": PASSWORD, "domain_id": "default"}}, admin)[1]["user"]["id"]
        for role in user_roles:
            call("PUT", f"{KEYSTONE}/projects/{projects[project]}/users/{user_id}/roles/{roles[role]}", token=admin)
    services = [
        ("nova", "compute", f"http://{HOST}:8774/v2.1"),
        ("neutron", "network", f"http://{HOST}:9696"),
        ("glance", "image", f"http://{HOST}:9292"),
        ("cinderv3", "volumev3", f"http://{HOST}:8776/v3/%(project_id)s"),
        ("cinder", "block-storage", f"http://{HOST}:8776/v3/%(project_id)s"),
        ("placement", "placement", f"http://{HOST}:8778"),
    ]
    for name, kind, url in services:
        service_id = call("POST", f"{KEYSTONE}/services", {"service": {"name": name, "type": kind}}, admin)[1]["service"]["id"]
        for interface in ("public", "internal", "admin"):
            call("POST", f"{KEYSTONE}/endpoints", {"endpoint": {"service_id": service_id, "interface": interface, "url": url, "region_id": "RegionOne"}}, admin)
    print("identity ready")


def wait(what, check, seconds=120):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if check():
                return
        except RuntimeError as error:
            print(f"waiting for {what}: {error}")
        time.sleep(0.5)
    raise RuntimeError(f"timed out waiting for {what}")


def resources():
    admin, _ = token()
    compute = f"http://{HOST}:8774/v2.1"
    nova = {"OpenStack-API-Version": "compute 2.60", "X-OpenStack-Nova-API-Version": "2.60"}
    wait("the compute service", lambda: any(s["binary"] == "nova-compute" and s["state"] == "up"
                                             for s in call("GET", f"{compute}/os-services", token=admin, headers=nova)[1]["services"]))
    wait("the hypervisor in placement", lambda: len(call("GET", f"http://{HOST}:8778/resource_providers", token=admin,
                                                         headers={"OpenStack-API-Version": "placement 1.10"})[1]["resource_providers"]) > 0)
    wait("the compute host mapped to cell1", lambda: len(call("GET", f"{compute}/os-hypervisors", token=admin, headers=nova)[1]["hypervisors"]) > 0)
    for flavor_id, name, ram in (("1", "m1.tiny", 512), ("42", "m1.nano", 128)):
        call("POST", f"{compute}/flavors", {"flavor": {"id": flavor_id, "name": name, "ram": ram, "vcpus": 1, "disk": 1}}, admin, headers=nova)
    network = f"http://{HOST}:9696/v2.0"
    public = call("POST", f"{network}/networks", {"network": {"name": "public", "router:external": True, "provider:network_type": "flat",
                                                           "provider:physical_network": "physnet1", "shared": False}}, admin)[1]["network"]
    call("POST", f"{network}/subnets", {"subnet": {"name": "public-subnet", "network_id": public["id"], "ip_version": 4, "cidr": "127.100.0.0/16",
                                                   "gateway_ip": "127.100.0.1", "enable_dhcp": False,
                                                   "allocation_pools": [{"start": "127.100.1.1", "end": "127.100.254.254"}]}}, admin)
    image = call("POST", f"http://{HOST}:9292/v2/images", {"name": "cirros", "disk_format": "raw", "container_format": "bare",
                                                           "visibility": "public"}, admin)[1]
    call("PUT", f"http://{HOST}:9292/v2/images/{image['id']}/file", b"\0" * 1048576, admin)
    volume = f"http://{HOST}:8776/v3"
    admin_token, payload = token()
    admin_project = payload["project"]["id"]
    wait("cinder-volume", lambda: any(s["binary"] == "cinder-volume" and s["state"] == "up"
                                       for s in call("GET", f"{volume}/{admin_project}/os-services", token=admin_token)[1]["services"]))
    print("resources ready")


if __name__ == "__main__":
    {"identity": identity, "resources": resources}[sys.argv[1]]()

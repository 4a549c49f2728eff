"""Test-only pieces the project's OpenStack control plane (tools/openstack) needs without keystone."""

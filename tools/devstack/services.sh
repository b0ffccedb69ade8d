services_up() { die "services not built yet"; }
print_summary() { cat "$1/env"; }

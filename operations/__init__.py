"""Operating the storefront for years: readiness checks, structured logs that follow one
order from the click to Microsoft and back, Prometheus metrics, the system status page's
facts and backups. Sits just under the delivery layer: it reads every domain's tables but
no domain imports it; the connectors report to it only through log records."""

"""Background provisioning of placed orders through Partner Center: the steps, their
results, the attention queue and the reconciler. Each request id is stored before its call,
so a killed worker resumes without doubling anything; Celery appears only in tasks.py."""

"""The stored side of OSPA enrollments: tables (`models`), rows to domain values
(`mapping`), one service per action that commits once (`services`), the daily job
(`daily`) and its Celery task (`tasks`). The rules themselves stay in the pure modules of
the commitments package above, which import none of this."""

"""Measuring the product on labelled data: the in-domain run (``domain``) and
its figures (``metrics``), behind ``manage.py evaluate_domain``."""

"""Demo data: a 2015 Syria news digest and the record a researcher made of it.

``python manage.py load_demo`` loads it (see ``claims.demo.loader``);
``python manage.py create_demo_users`` creates the demo logins.
"""

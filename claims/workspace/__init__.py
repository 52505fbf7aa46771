"""The researchers' pages outside the admin: home, a claim's dossier, the
attribution matrix. Thin: read through ``claims.selectors``, render a template."""

"""django-tenants' PostgreSQL backend, remembering the search_path the server already has."""

def tenant(request):
    current = getattr(request, "tenant", None)
    is_public = current is None or current.schema_name == "public"
    return {"current_tenant": None if is_public else current, "is_public_site": is_public}

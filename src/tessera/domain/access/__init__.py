"""Who is acting, and what each role may see and do."""

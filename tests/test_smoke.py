def test_researcher_reaches_admin_index(researcher_client):
    assert researcher_client.get("/admin/").status_code == 200

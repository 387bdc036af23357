urlpatterns = []
urlpatterns += __import__("points.api_rankings", fromlist=["urlpatterns"]).urlpatterns  # GET points/rankings/ (pux)

curl http://localhost:8080/v1/images/generations \
  -H "Authorization: Bearer $GOODTAKE_API_KEY" \
  -H "Content-Type: application/json" \
  -d '{"model": "seedream-4-5-251128", "prompt": "A cosy reading nook with a cat", "size": "1024x1024"}'

curl http://localhost:8080/v1/images/edits \
  -H "Authorization: Bearer $GOODTAKE_API_KEY" \
  -F model=seedream-4-5-251128 \
  -F prompt="Turn this photo into a watercolour painting" \
  -F "image=@photo.png"

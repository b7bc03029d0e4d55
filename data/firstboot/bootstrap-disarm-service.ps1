## The bootstrap's disarm for the fallback service (deleted).
$null = & sc.exe delete '{{p2vfix:serviceName}}' 2>&1

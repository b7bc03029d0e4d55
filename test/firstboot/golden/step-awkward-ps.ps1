Write-Output 'it''s ‘odd’ "q" 100% $env:PATH `n $(Get-Date) @'' ''@ {{p2vfix:runner}} ${x} Données 日本 😀'
$x = "`$env:TEMP"
@'
here '' string
'@
exit 0
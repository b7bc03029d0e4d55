Write-Output 'it''s alive'
exit 0
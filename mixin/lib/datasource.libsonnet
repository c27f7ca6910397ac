// The data source every query uses: the dashboard's `datasource` variable.
{ type: 'prometheus', uid: '${datasource}' }

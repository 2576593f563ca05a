package v1alpha1

import "reflect"

// WithDefaults returns s with every field it leaves unset taken from defaults. Strings, numbers,
// pointers and lists are taken whole; maps (role tags) merge key by key, s winning.
func (s Settings) WithDefaults(defaults Settings) Settings {
	out := s
	mergeValue(reflect.ValueOf(&out).Elem(), reflect.ValueOf(defaults))
	return out
}

// mergeValue fills the unset parts of dst from def. dst must be addressable.
func mergeValue(dst, def reflect.Value) {
	switch dst.Kind() {
	case reflect.Struct:
		for i := 0; i < dst.NumField(); i++ {
			mergeValue(dst.Field(i), def.Field(i))
		}
	case reflect.Map:
		if def.Len() == 0 {
			return
		}
		merged := reflect.MakeMapWithSize(dst.Type(), dst.Len()+def.Len())
		for _, k := range def.MapKeys() {
			merged.SetMapIndex(k, def.MapIndex(k))
		}
		for _, k := range dst.MapKeys() {
			merged.SetMapIndex(k, dst.MapIndex(k))
		}
		dst.Set(merged)
	default:
		if dst.IsZero() {
			dst.Set(def)
		}
	}
}
